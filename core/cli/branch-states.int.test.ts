// `branchyard branch list` shows each branch's live state (issue 21) as the running engine
// knows it: live once run, sleeping once idle past its gateway's idle time, and live again after
// a request to its own host woke it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import { editGateway, httpsRequest, useFreePorts } from '../gateway/fixtures/gateway-fixture.ts';
import { caFiles } from '../gateway/index.ts';
import { startServe } from '../serve/index.ts';
import type { ServeHandle } from '../serve/index.ts';
import { expectOk, runBranchyard, tempDir } from '../testing/index.ts';
import { workspacePaths } from '../workspace/index.ts';

describe('branchyard branch list: sleeping, waking, live', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  let serve: ServeHandle | undefined;
  const cli = (args: string[]) => runBranchyard(args, { cwd: ws, env: { BRANCHYARD_DATABASE_URL: '' } });
  const stateOf = async (branch: number) => {
    const listed = JSON.parse((await cli(['branch', 'list', 'users', '--json'])).stdout) as {
      branches: Array<{ number: number; state: string | null }>;
    };
    return listed.branches.find((b) => b.number === branch)?.state;
  };

  beforeAll(async () => {
    tmp = await tempDir();
    ws = path.join(tmp.path, 'ws');
    expectOk(await runBranchyard(['init', ws]));
    expectOk(await cli(['codebase', 'add', 'users']));
  });
  afterAll(async () => {
    await serve?.dispose();
    await tmp.dispose();
  });

  it('shows a branch live, then sleeping when idle, then live again after a request woke it', async () => {
    const paths = workspacePaths(ws);
    const port = (await useFreePorts(paths)).development!.port;
    // Six seconds idle puts it to sleep at the next look for idle branches (every gateway serves
    // the active branch, and the longest idle time of those that serve it counts).
    for (const gateway of ['development', 'staging', 'production'])
      await editGateway(paths, gateway, (c) => (c.sleep = { idleMinutes: 0.1 }));
    serve = await startServe({
      workspaceRoot: ws,
      events: createEventBus(),
      env: { BRANCHYARD_RUNTIME: 'docker' },
      port: 0,
      autostart: false,
    });
    expectOk(await cli(['run', 'users', '1']));
    expect(await stateOf(1)).toBe('live');
    expect((await cli(['branch', 'list', 'users'])).stdout).toMatch(
      /BRANCH\s+PARENT\s+STATUS\s+STATE[^\n]*\n00001\s+-\s+built\s+live/,
    );

    await expect.poll(() => stateOf(1), { timeout: 60_000, interval: 1000 }).toBe('sleeping');
    expect((await cli(['branch', 'list', 'users'])).stdout).toMatch(/00001\s+-\s+built\s+sleeping/);

    const ca = await readFile(caFiles(paths).certificate, 'utf8');
    const answer = await httpsRequest({
      port,
      host: '00001.users.development.ws.localhost',
      path: '/notes/list-notes',
      ca,
      timeoutMs: 60_000,
    });
    expect(answer.status, answer.body).toBe(200);
    expect(await stateOf(1)).toBe('live');
  }, 180_000);
});
