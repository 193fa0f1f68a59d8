// `serve` on real sockets, as a hostile neighbour and as its own user would call it: a planted
// or malformed token cookie is refused without stopping the engine; calls from other pages, and
// bodies no page of ours sends, are refused before the router; folders named from the window
// stay under the allowed roots while the CLI's bearer token names any; settings that would hand
// the LLM key elsewhere are refused.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import { tempDir } from '../testing/index.ts';
import { initWorkspace } from '../workspace/index.ts';
import type { ServeHandle } from './index.ts';
import { startServe } from './index.ts';

interface Answer {
  status: number;
  text: string;
}

function send(
  port: number,
  options: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path: options.path, method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** One request written by hand on a fresh socket: the status line of the answer. */
function rawStatusLine(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write(`${head}\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('serve on real sockets', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  let window: string;
  let serve: ServeHandle;
  let cookie: string;
  let bearer: Record<string, string>;
  const json = { 'content-type': 'application/json' };
  const own = () => ({ ...json, cookie, origin: `http://127.0.0.1:${serve.port}`, 'sec-fetch-site': 'same-origin' });
  const databases = async () => (await readdir(path.join(ws, 'databases'))).sort();

  beforeAll(async () => {
    tmp = await tempDir();
    ws = (await initWorkspace({ dir: path.join(tmp.path, 'ws'), name: 'shop' })).root;
    window = path.join(tmp.path, 'window');
    await mkdir(window);
    serve = await startServe({
      workspaceRoot: ws,
      events: createEventBus(),
      env: { BRANCHYARD_ALLOWED_ROOTS: window },
      port: 0,
      autostart: false,
    });
    const login = await new Promise<http.IncomingMessage>((resolve) => http.get(serve.loginUrl, resolve));
    login.resume();
    cookie = login.headers['set-cookie']![0]!.split(';')[0]!;
    bearer = { ...json, authorization: `Bearer ${serve.token}` };
    const added = await send(serve.port, {
      path: '/trpc/codebase.add',
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ name: 'users' }),
    });
    expect(added.status, added.text).toBe(200);
  });
  afterAll(async () => {
    await serve?.dispose();
    await tmp?.dispose();
  });

  it('refuses a token cookie that is not percent-encoding with 401, and answers the next request', async () => {
    expect(
      await rawStatusLine(
        serve.port,
        `GET /trpc/workspace.info HTTP/1.1\r\nCookie: branchyard_token_${serve.port}=%E0%A4%A`,
      ),
    ).toBe('HTTP/1.1 401 Unauthorized');
    // A request line no URL parser takes: answered, not thrown.
    expect(await rawStatusLine(serve.port, 'GET http://[/ HTTP/1.1')).toBe('HTTP/1.1 400 Bad Request');
    // The user's cookie still works behind a planted one of the same name sent first.
    const info = await send(serve.port, {
      path: '/trpc/workspace.info',
      headers: { cookie: `branchyard_token_${serve.port}=%E0%A4%A; ${cookie}` },
    });
    expect(info.status, info.text).toBe(200);
    expect(JSON.parse(info.text)).toMatchObject({ result: { data: { name: 'shop' } } });
  });

  it('refuses calls from other pages and bodies other than JSON, and adds no database', async () => {
    const before = await databases();
    const other = 'http://127.0.0.1:1';
    const form = '--x\r\nContent-Disposition: form-data; name="postgresUrlEnv"\r\n\r\nSHOP_URL\r\n--x--\r\n';
    const fromOtherPage = await send(serve.port, {
      path: '/trpc/db.add',
      method: 'POST',
      headers: { cookie, origin: other, 'content-type': 'multipart/form-data; boundary=x' },
      body: form,
    });
    expect(fromOtherPage.status).toBe(403);
    expect(fromOtherPage.text).toContain(`the request came from ${other}`);
    const sameSite = await send(serve.port, {
      path: '/trpc/db.add',
      method: 'POST',
      headers: { ...json, cookie, 'sec-fetch-site': 'same-site' },
      body: '{}',
    });
    expect(sameSite.status).toBe(403);
    for (const type of ['multipart/form-data; boundary=x', 'text/plain', 'application/x-www-form-urlencoded']) {
      const answer = await send(serve.port, {
        path: '/trpc/db.add',
        method: 'POST',
        headers: { cookie, 'content-type': type },
        body: type.startsWith('multipart') ? form : '{}',
      });
      expect(answer.status, type).toBe(415);
      expect(answer.text).toContain('expected a body of type application/json');
    }
    expect(await databases()).toEqual(before);
    // Our own page, and the CLI, are heard.
    const ours = await send(serve.port, { path: '/trpc/db.add', method: 'POST', headers: own(), body: '{}' });
    expect(ours.status, ours.text).toBe(200);
    expect((await databases()).length).toBe(before.length + 1);
    const list = await send(serve.port, { path: '/trpc/db.list', headers: { authorization: `Bearer ${serve.token}` } });
    expect(list.status, list.text).toBe(200);
  });

  it('holds folders named from the window to the allowed roots; the bearer token (the CLI) names any absolute folder', async () => {
    const call = (procedure: string, input: unknown, headers: Record<string, string> = own()) =>
      send(serve.port, { path: `/trpc/${procedure}`, method: 'POST', headers, body: JSON.stringify(input) });
    const outside = await call('branch.new', { codebase: 'users', dir: '/etc/default' });
    expect(outside.status).toBe(400);
    expect(JSON.parse(outside.text).error.message).toContain(
      `dir /etc/default: is outside the folders the window may name (${window}, ${ws})`,
    );
    // The input at fault, as the API names it, for each transport to name its own way.
    expect(JSON.parse(outside.text).error.data.field).toBe('dir');
    const proc = await call('branch.new', { codebase: 'users', dir: '/proc/self' });
    expect(proc.status).toBe(400);
    const relative = await call('workspace.init', { dir: 'other-ws' });
    expect(relative.status).toBe(400);
    expect(JSON.parse(relative.text).error.message).toContain('workspace folder "other-ws": expected an absolute path');
    await expect(readdir(path.join(process.cwd(), 'other-ws'))).rejects.toThrow();
    const elsewhere = await call('workspace.init', { dir: path.join(tmp.path, 'not-in-window') });
    expect(elsewhere.status).toBe(400);

    const files = path.join(window, 'files');
    await mkdir(files);
    await writeFile(path.join(files, 'NOTES.md'), '# from the window\n');
    const made = await call('branch.new', { codebase: 'users', dir: files });
    expect(made.status, made.text).toBe(200);
    const cliFiles = path.join(tmp.path, 'cli-files');
    await mkdir(cliFiles);
    await writeFile(path.join(cliFiles, 'NOTES.md'), '# from the command line\n');
    const byCli = await call('branch.new', { codebase: 'users', dir: cliFiles }, bearer);
    expect(byCli.status, byCli.text).toBe(200);
    expect(JSON.parse(byCli.text)).toMatchObject({ result: { data: { info: { number: 3 } } } });
    const relativeByCli = await call('branch.new', { codebase: 'users', dir: 'cli-files' }, bearer);
    expect(relativeByCli.status).toBe(400);
  });

  it('refuses an endpoint that is not http(s) and a database URL variable that is the key variable', async () => {
    const fileUrl = await send(serve.port, {
      path: '/trpc/workspace.setAi',
      method: 'POST',
      headers: own(),
      body: JSON.stringify({ baseUrl: 'file:///etc/passwd' }),
    });
    expect(fileUrl.status).toBe(422);
    expect(JSON.parse(fileUrl.text).error.message).toContain('ai/config.json: baseUrl: expected an http(s) URL');
    const before = await databases();
    const keyVar = await send(serve.port, {
      path: '/trpc/db.add',
      method: 'POST',
      headers: own(),
      body: JSON.stringify({ postgresUrlEnv: 'BRANCHYARD_AI_KEY' }),
    });
    expect(keyVar.status).toBe(400);
    expect(JSON.parse(keyVar.text).error.message).toContain('postgresUrlEnv BRANCHYARD_AI_KEY holds the LLM key');
    expect(await databases()).toEqual(before);
  });
});
