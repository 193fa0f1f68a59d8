// The window's API explorer and AI set-up through serve, on real sockets: the merged document is
// fetched from the real development gateway over HTTPS (the workspace CA trusted by the engine),
// try-it calls to anything but our gateways are refused, a key handed to the engine is held in its
// memory only, and "Test connection" tells success, a refused key and a dead port apart.
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedLlm } from '../agent/fixtures/scripted-llm.ts';
import { createEventBus } from '../events/index.ts';
import { freePort, tempDir } from '../testing/index.ts';
import { initWorkspace } from '../workspace/index.ts';
import type { ServeHandle } from './index.ts';
import { startServe } from './index.ts';

const KEY = 'sk-test-held-in-memory-0123456789';

describe('explorer and key through serve', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  let serve: ServeHandle;
  let cookie: string;
  const env: NodeJS.ProcessEnv = {};

  /** A router call as the window makes it: its cookie, from its own page. */
  async function call(procedure: string, input: unknown, method: 'GET' | 'POST' = 'POST') {
    const headers = {
      'content-type': 'application/json',
      cookie,
      origin: `http://127.0.0.1:${serve.port}`,
      'sec-fetch-site': 'same-origin',
    };
    const query = method === 'GET' ? `?input=${encodeURIComponent(JSON.stringify(input))}` : '';
    const response = await fetch(`http://127.0.0.1:${serve.port}/trpc/${procedure}${query}`, {
      method,
      headers,
      body: method === 'POST' ? JSON.stringify(input) : undefined,
    });
    const body = (await response.json()) as { result?: { data: unknown }; error?: { message: string; data?: unknown } };
    return { status: response.status, data: body.result?.data as Record<string, unknown>, error: body.error };
  }

  beforeAll(async () => {
    tmp = await tempDir();
    ws = (await initWorkspace({ dir: path.join(tmp.path, 'ws'), name: 'shop' })).root;
    serve = await startServe({ workspaceRoot: ws, events: createEventBus(), env, port: 0, autostart: false });
    const login = await new Promise<http.IncomingMessage>((resolve) => http.get(serve.loginUrl, resolve));
    login.resume();
    cookie = login.headers['set-cookie']![0]!.split(';')[0]!;
  });
  afterAll(async () => {
    await serve?.dispose();
    await tmp?.dispose();
  });

  it('fetches the gateway’s merged document over HTTPS from the real gateway', async () => {
    const answer = await call('explorer.document', { gateway: 'development' }, 'GET');
    expect(answer.error).toBeUndefined();
    expect(answer.data.url).toMatch(/^https:\/\/.*:\d+\/_branchyard\/openapi\.json$/);
    expect(answer.data.document).toMatchObject({ openapi: '3.0.3', info: { title: 'shop — development' } });
  });

  it.each([
    ['another site', 'https://example.com/'],
    ['the engine itself', () => `${serve.url}trpc/workspace.info`],
    ['a gateway over plain HTTP', () => `http://127.0.0.1:${serve.gateways.status()[0]!.port}/`],
  ])('refuses a try-it call to %s', async (_what, target) => {
    const url = typeof target === 'function' ? target() : target;
    const answer = await call('explorer.tryIt', { url, method: 'GET', headers: { cookie } });
    expect(answer.status).toBe(400);
    expect(answer.error?.message).toMatch(/is not one of this workspace's gateways/);
  });

  it('holds a key from the window in the engine’s memory only: not in the process environment nor in any file', async () => {
    expect((await call('ai.keyStatus', undefined, 'GET')).data).toEqual({ keyEnv: 'BRANCHYARD_AI_KEY', source: null });
    expect((await call('ai.setKey', { key: KEY })).status).toBe(200);
    expect((await call('ai.keyStatus', undefined, 'GET')).data.source).toBe('memory');
    expect((await call('workspace.info', undefined, 'GET')).data).toMatchObject({ ai: { hasKey: true } });
    expect(env.BRANCHYARD_AI_KEY).toBeUndefined();
    expect(process.env.BRANCHYARD_AI_KEY).toBeUndefined();
    for (const file of await filesUnder(ws)) expect(await readFile(file, 'utf8'), file).not.toContain(KEY);
  });

  it('tests the connection: the key the engine holds accepted, a refused key, nothing listening', async () => {
    const llm = await scriptedLlm([
      (request) => {
        expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
        return { reply: { content: 'p' } };
      },
      { error: { status: 401, message: 'Incorrect API key provided' } },
    ]);
    try {
      const ok = await call('ai.testConnection', { baseUrl: llm.baseUrl, model: 'local' });
      expect(ok.data).toEqual({ ok: true, message: `Connected: ${llm.baseUrl} answered with model local.` });
      const refused = await call('ai.testConnection', { baseUrl: llm.baseUrl, model: 'local' });
      expect(refused.data.ok).toBe(false);
      expect(refused.data.message).toMatch(/refused the key \(401\).*Incorrect API key provided/);
      expect(llm.failures).toEqual([]);
    } finally {
      await llm.close();
    }
    const dead = await call('ai.testConnection', { baseUrl: `http://127.0.0.1:${await freePort()}/v1` });
    expect(dead.data).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Nothing answers at 127\.0\.0\.1:\d+/),
    });
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)])),
  );
  return nested.flat();
}
