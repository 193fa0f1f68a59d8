// The branch server runtime over a real unix socket, in a process of its own (as PM2 runs it):
// what a client gets wrong (a body that is not JSON, a Host header no URL can hold) is a 400
// that says so, and never a stack trace in the branch's log.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';

const RUNTIME = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server-runtime.ts');

/** A branch with one REST route taking a JSON body, as the build generates it. */
const ENTRY = `import { exposed, startBranchServer, t, z } from ${JSON.stringify(RUNTIME)};
const router = t.router({
  echoBody: exposed.meta({ openapi: { method: 'POST', path: '/hello/echo-body' } }).input(z.object({ text: z.string() })).output(z.object({ length: z.number() })).mutation(({ input }) => ({ length: input.text.length })),
  getHello: exposed.meta({ openapi: { method: 'GET', path: '/hello/get-hello' } }).input(z.void()).output(z.object({ hello: z.string() })).query(() => ({ hello: 'there' })),
});
startBranchServer({ router, title: 'users', version: '1', description: 'test' });
`;

function send(
  socketPath: string,
  options: { method: string; path: string; headers?: http.OutgoingHttpHeaders; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        socketPath,
        method: options.method,
        path: options.path,
        headers: options.headers,
        timeout: 10_000,
        agent: false,
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${options.path} timed out`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('the branch server runtime', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess;
  let log = '';
  let socket: string;

  beforeAll(async () => {
    dir = await tempDir('branchyard-runtime-');
    const entry = path.join(dir.path, 'server.ts');
    socket = path.join(dir.path, 'b.sock');
    await writeFile(entry, ENTRY);
    child = spawn(process.execPath, ['--import', 'tsx', entry], {
      env: { ...process.env, BRANCHYARD_SOCKET: socket, BRANCHYARD_MAX_BODY_BYTES: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the branch server did not start within 30 s:\n${log}`)), 30_000);
      child.stdout!.on('data', () => log.includes('listening') && (clearTimeout(timer), resolve()));
      child.on('exit', (code) => reject(new Error(`the branch server exited with ${code}:\n${log}`)));
    });
  }, 40_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await dir?.dispose();
  });

  it('answers a body that is not JSON with 400 naming the problem, and still takes JSON with a charset', async () => {
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const malformed = await send(socket, {
      method: 'POST',
      path: '/hello/echo-body',
      headers: json,
      body: '{"text": ',
    });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({
      code: 'PARSE_ERROR',
      message: expect.stringMatching(/^the request body is not valid JSON: /),
    });
    const good = await send(socket, {
      method: 'POST',
      path: '/hello/echo-body',
      headers: json,
      body: '{"text":"abc"}',
    });
    expect(good).toEqual({ status: 200, body: '{"length":3}' });
    // An empty body is no input: the route's own validation says what is missing.
    const empty = await send(socket, {
      method: 'POST',
      path: '/hello/echo-body',
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.body)).toMatchObject({ code: 'BAD_REQUEST' });
    const large = await send(socket, {
      method: 'POST',
      path: '/hello/echo-body',
      headers: json,
      body: JSON.stringify({ text: 'x'.repeat(2000) }),
    });
    expect(large.status).toBe(413);
  });

  it('answers a Host port no URL can hold with 400, on REST and tRPC, and logs no stack trace', async () => {
    for (const target of ['/hello/get-hello', '/trpc/getHello']) {
      const answer = await send(socket, {
        method: 'GET',
        path: target,
        headers: { host: 'users.development.ws.localhost:99999' },
      });
      expect(answer.status, target).toBe(400);
    }
    expect((await send(socket, { method: 'GET', path: '/hello/get-hello' })).body).toBe('{"hello":"there"}');
    expect(log).not.toMatch(/\bat .*\(|Error:/);
  });
});
