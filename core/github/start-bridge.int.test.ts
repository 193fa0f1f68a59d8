// The issue bridge as each host starts it (serve and the Electron window share
// startGithubBridge as their engine starts): a real engine on a workspace whose codebase polls a
// repository asks GitHub (the local stand-in) for its issues with nothing else done — no webhook,
// no call of the router — and stops asking when the engine stops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGithubBridge } from '../api/index.ts';
import { EngineHost } from '../engine/index.ts';
import { createEventBus } from '../events/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import type { GithubStandIn } from './fixtures/github-server.ts';
import { githubStandIn } from './fixtures/github-server.ts';
import { connectRepository } from './index.ts';

const REPO = 'acme/users-api';
const TOKEN = 'ghp_start_bridge_token';

async function until(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the GitHub bridge a host starts with its engine', () => {
  let ws: TestWorkspace;
  let github: GithubStandIn;
  let host: EngineHost | undefined;
  beforeAll(async () => {
    ws = await testWorkspace('users');
    github = await githubStandIn({ repository: REPO, token: TOKEN });
    await connectRepository(ws.paths, 'users', {
      repository: REPO,
      apiUrl: github.apiUrl,
      tokenEnv: 'TEST_GITHUB_TOKEN',
      pollSeconds: 10,
    });
  }, 120_000);
  afterAll(async () => {
    await host?.dispose();
    await github?.close();
    await ws?.dispose();
  });

  const polls = () => github.received.filter((r) => r.method === 'GET' && r.path.startsWith(`/repos/${REPO}/issues`));

  it('polls the connected repository from the start, with the token, and stops with the engine', async () => {
    const events = createEventBus();
    const failures: string[] = [];
    events.on('progress', (p) => void (p.step === 'failed' && failures.push(p.message)));
    host = await EngineHost.start({
      workspaceRoot: ws.root,
      events,
      env: { TEST_GITHUB_TOKEN: TOKEN },
      autostart: false,
      onStarted: (engine) => startGithubBridge(engine.engine),
    });
    await until('the first poll of acme/users-api', () => polls().length > 0);
    expect(polls()[0]!.authorization).toMatch(new RegExp(`${TOKEN}$`));
    expect(failures).toEqual([]);

    await host.dispose();
    host = undefined;
    const after = polls().length;
    // Past the next poll (10 s on): a bridge left running would have asked again.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    expect(polls()).toHaveLength(after);
  }, 120_000);
});
