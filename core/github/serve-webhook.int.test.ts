// serve mounts the webhook on a path of its own: reachable without the UI's access token, yet
// only with a good signature.
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import type { ServeHandle } from '../serve/index.ts';
import { startServe } from '../serve/index.ts';
import { connectRepository } from './index.ts';

const SECRET = 'serve-webhook-secret';

describe('serve and GitHub webhooks', () => {
  let ws: TestWorkspace;
  let serve: ServeHandle;
  beforeAll(async () => {
    ws = await testWorkspace('users');
    await connectRepository(ws.paths, 'users', {
      repository: 'acme/users-api',
      apiUrl: 'http://127.0.0.1:9/',
      webhookSecretEnv: 'TEST_WEBHOOK_SECRET',
    });
    serve = await startServe({
      workspaceRoot: ws.root,
      events: createEventBus(),
      env: { TEST_WEBHOOK_SECRET: SECRET },
      port: 0,
      autostart: false,
    });
  }, 120_000);
  afterAll(async () => {
    await serve?.dispose();
    await ws?.dispose();
  });

  const post = async (body: string, headers: Record<string, string>) => {
    const response = await fetch(`${serve.url}hooks/github/users`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  it('takes a signed delivery without the access token, and refuses an unsigned one with 401', async () => {
    const body = JSON.stringify({
      zen: 'Keep it logically awesome.',
      hook_id: 1,
      repository: { full_name: 'acme/users-api' },
    });
    const signed = await post(body, {
      'x-github-event': 'ping',
      'x-github-delivery': 'serve-1',
      'x-hub-signature-256': await sign(SECRET, body),
    });
    expect(signed.status, JSON.stringify(signed.body)).toBe(200);
    expect(signed.body.done).toBe('pong');
    const unsigned = await post(body, { 'x-github-event': 'ping', 'x-github-delivery': 'serve-2' });
    expect(unsigned.status).toBe(401);
    // The rest of serve still wants its token.
    const ui = await fetch(`${serve.url}trpc/workspace.info`, { signal: AbortSignal.timeout(20_000) });
    expect(ui.status).toBe(401);
  });
});
