// Gateways under hostile or unusual clients, over real HTTPS to a fake branch on its unix socket
// (development, staging and production all route codebase users to the same socket): slow
// bodies, connection shares, parallel password guessing, Expect: 100-continue, bad and
// duplicate Host headers, and the TLS profile.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import { branchSocketPath } from '../runtime/index.ts';
import { freePort } from '../testing/index.ts';
import type { FakeBranch } from './fixtures/fake-branch.ts';
import { fakeBranch } from './fixtures/fake-branch.ts';
import { editGateway, httpsRequest, rawTls, trusting, useFreePorts } from './fixtures/gateway-fixture.ts';
import { caFiles, GatewayManager, hashPassword } from './index.ts';

const DEV = 'users.development.ws.localhost';
const PROD = 'users.production.ws.localhost';
const STAGING = 'users.staging.ws.localhost';
const NO_LOG = { write: () => undefined, close: async () => undefined };
/** Longer than 200 TLS handshakes take on a busy machine, or guesses would outlive the lockout. */
const LOCKOUT_MS = 15_000;

/** A client that sends its headers, then a body of `length` bytes one byte every 250 ms. */
function slowBody(port: number, ca: string, length: number) {
  const client = {
    closed: false,
    answer: '',
    ready: undefined as unknown as Promise<void>,
    socket: undefined as unknown as tls.TLSSocket,
  };
  let drip: NodeJS.Timeout | undefined;
  client.ready = new Promise<void>((resolve, reject) => {
    client.socket = tls.connect({ host: '127.0.0.1', port, servername: DEV, secureContext: trusting(ca) }, () => {
      client.socket.write(
        `POST /hello/echo-body HTTP/1.1\r\nHost: ${DEV}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{`,
      );
      drip = setInterval(() => client.socket.writable && client.socket.write(' '), 250);
      resolve();
    });
    client.socket.on('error', reject);
  });
  client.socket.on('data', (chunk: Buffer) => (client.answer += chunk.toString()));
  client.socket.on('close', () => {
    clearInterval(drip);
    client.closed = true;
  });
  return client;
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('gateway hardening', () => {
  let ws: TestWorkspace;
  let ports: Awaited<ReturnType<typeof useFreePorts>>;
  let manager: GatewayManager;
  let branch: FakeBranch;
  let ca: string;

  beforeAll(async () => {
    ws = await testWorkspace();
    ports = await useFreePorts(ws.paths);
    // Development cuts a body that takes over 10 s (time enough for 100 TLS handshakes on a
    // busy machine); its route and production's (active-branch 00001) are the same branch socket.
    await editGateway(ws.paths, 'development', (c) => {
      c.routes = { users: '00001' };
      c.limits = { headersTimeoutMs: 5_000, requestTimeoutMs: 10_000 };
    });
    branch = await fakeBranch(branchSocketPath(ws.paths, 'users', 1));
    manager = await GatewayManager.start({
      paths: ws.paths,
      strict: true,
      log: NO_LOG,
      authLimits: { lockoutMs: LOCKOUT_MS },
    });
    ca = await readFile(caFiles(ws.paths).certificate, 'utf8');
  }, 60_000);

  afterAll(async () => {
    await manager?.dispose();
    await branch?.close();
    await ws?.dispose();
  });

  it('holds slow bodies at the gateway: another gateway of the branch answers while 100 crawl in, none reaches the branch, each gets 408', async () => {
    expect(
      (await httpsRequest({ port: ports.development!.port, host: DEV, path: '/hello/get-hello', ca })).status,
    ).toBe(200);
    const before = branch.started.get('/hello/echo-body') ?? 0;
    const slow = Array.from({ length: 100 }, () => slowBody(ports.development!.port, ca, 100_000));
    try {
      await Promise.all(slow.map((client) => client.ready));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const normal = await httpsRequest({ port: ports.production!.port, host: PROD, path: '/hello/get-hello', ca });
      expect(normal.status).toBe(200);
      // Answered while every slow client is still sending, and none of them reached the branch.
      expect(slow.filter((client) => client.closed)).toHaveLength(0);
      expect(branch.started.get('/hello/echo-body') ?? 0).toBe(before);
      expect(branch.open()).toBeLessThan(10);
      // A whole small body goes through as one.
      const posted = await httpsRequest({
        port: ports.production!.port,
        host: PROD,
        path: '/hello/echo-body',
        ca,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":"x"}',
      });
      expect(JSON.parse(posted.body)).toEqual({ length: 12, expect: null });

      // requestTimeoutMs cuts each with a 408; the branch never saw one.
      await until(() => slow.every((client) => client.closed), 'the slow clients to be cut', 30_000);
      expect(slow.filter((client) => !client.answer.startsWith('HTTP/1.1 408'))).toHaveLength(0);
      expect(branch.started.get('/hello/echo-body') ?? 0).toBe(before + 1);
    } finally {
      for (const client of slow) client.socket.destroy();
    }
  });

  it('bounds each gateway’s connections to a branch, and each client address’s share of them', async () => {
    const port = await freePort();
    const staging = await GatewayManager.start({
      paths: ws.paths,
      only: ['staging'],
      ports: { port, httpPort: null },
      strict: true,
      log: NO_LOG,
      upstream: { connections: 2, perClient: 1 },
    });
    try {
      const first = httpsRequest({ port, host: STAGING, path: '/hello/get-slow', ca });
      await until(() => branch.waiting() === 1, 'the first slow request at the branch');
      // The same address again: over its share.
      const over = await httpsRequest({ port, host: STAGING, path: '/hello/get-hello', ca });
      expect(over.status).toBe(429);
      expect(JSON.parse(over.body).error).toBe('too-many-requests');
      // Other addresses: one takes the second connection, the next waits for a free one.
      const second = httpsRequest({ port, host: STAGING, path: '/hello/get-slow', ca, localAddress: '127.0.0.2' });
      await until(() => branch.waiting() === 2, 'the second slow request at the branch');
      const hellos = () => branch.started.get('/hello/get-hello') ?? 0;
      const before = hellos();
      let thirdDone = false;
      const third = httpsRequest({
        port,
        host: STAGING,
        path: '/hello/get-hello',
        ca,
        localAddress: '127.0.0.3',
      }).finally(() => (thirdDone = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Both of staging's connections are taken: the third waits at the gateway, not at the branch.
      expect(thirdDone).toBe(false);
      expect(hellos()).toBe(before);
      // Production has connections of its own.
      expect(
        (await httpsRequest({ port: ports.production!.port, host: PROD, path: '/hello/get-hello', ca })).status,
      ).toBe(200);
      expect(hellos()).toBe(before + 1);
      expect(thirdDone).toBe(false);
      branch.release();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      expect((await third).status).toBe(200);
    } finally {
      branch.release();
      await staging.dispose();
    }
  });

  it(
    'counts password guesses before hashing them: of 200 sent at once, at most 5 per lockout are checked, the rest get 429, and the lockout ends',
    { timeout: 90_000 },
    async () => {
      const hash = await hashPassword('correct horse battery');
      await editGateway(
        ws.paths,
        'development',
        (c) => ((c.access as Record<string, unknown>).basicAuth = { users: { alice: hash } }),
      );
      await manager.reload();
      const auth = (password: string) => ({
        authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`,
      });
      try {
        const started = Date.now();
        const answers = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            httpsRequest({
              port: ports.development!.port,
              host: DEV,
              path: '/hello/get-hello',
              ca,
              headers: auth(`guess-${i}`),
            }),
          ),
        );
        const count = (status: number) => answers.filter((a) => a.status === status).length;
        expect(count(401) + count(429)).toBe(200);
        expect(count(401)).toBeGreaterThanOrEqual(1);
        // Five per lockout: on a loaded machine the 200 handshakes can outlast one lockout, and the
        // guesses arriving after it ends are rightly checked again (five more at most).
        const lockouts = 1 + Math.floor((Date.now() - started) / LOCKOUT_MS);
        expect(count(401)).toBeLessThanOrEqual(5 * lockouts);
        // Locked out, the right password too; then, once the lockout ends, it works.
        expect(
          (
            await httpsRequest({
              port: ports.development!.port,
              host: DEV,
              path: '/hello/get-hello',
              ca,
              headers: auth('correct horse battery'),
            })
          ).status,
        ).toBe(429);
        const deadline = Date.now() + LOCKOUT_MS + 5_000;
        let status = 429;
        while (status === 429 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          status = (
            await httpsRequest({
              port: ports.development!.port,
              host: DEV,
              path: '/hello/get-hello',
              ca,
              headers: auth('correct horse battery'),
            })
          ).status;
        }
        expect(status).toBe(200);
      } finally {
        await editGateway(ws.paths, 'development', (c) => ((c.access as Record<string, unknown>).basicAuth = null));
        await manager.reload();
      }
    },
  );

  it('answers Expect: 100-continue itself and forwards the body without it, large (streamed) and small', async () => {
    for (const size of [1_500_000, 10_000]) {
      const body = JSON.stringify({ text: 'x'.repeat(size) });
      const answer = await new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
        let continued = false;
        import('node:https').then(({ request }) => {
          const sent = request(
            {
              host: '127.0.0.1',
              port: ports.production!.port,
              servername: PROD,
              ca,
              method: 'POST',
              path: '/hello/echo-body',
              agent: false,
              timeout: 15_000,
              headers: {
                host: PROD,
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
                expect: '100-continue',
              },
            },
            (response) => {
              let text = '';
              response.on('data', (chunk: Buffer) => (text += chunk.toString()));
              response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, continued }));
            },
          );
          sent.on('continue', () => {
            continued = true;
            sent.end(body);
          });
          sent.on('timeout', () => sent.destroy(new Error('no answer')));
          sent.on('error', reject);
        }, reject);
      });
      expect(answer, String(size)).toMatchObject({ status: 200, continued: true });
      expect(JSON.parse(answer.body)).toEqual({ length: Buffer.byteLength(body), expect: null });
    }
    // curl sends Expect: 100-continue by itself for a body over 1 MB.
    const file = path.join(ws.root, '..', 'big.json');
    await writeFile(file, JSON.stringify({ text: 'y'.repeat(2_000_000) }));
    const curled = await new Promise<string>((resolve, reject) =>
      execFile(
        'curl',
        [
          '-sS',
          '-v',
          '--max-time',
          '15',
          '--cacert',
          caFiles(ws.paths).certificate,
          '--resolve',
          `${PROD}:${ports.production!.port}:127.0.0.1`,
          '-H',
          'content-type: application/json',
          '--data-binary',
          `@${file}`,
          `https://${PROD}:${ports.production!.port}/hello/echo-body`,
        ],
        (error, stdout, stderr) =>
          error ? reject(new Error(stderr || error.message)) : resolve(`${stderr}\n${stdout}`),
      ),
    );
    expect(curled).toMatch(/^> Expect: 100-continue/m);
    expect(curled).toMatch(/^< HTTP\/1\.1 100 Continue/m);
    expect(curled).toContain('{"length":2000011,"expect":null}');
  });

  it('refuses a Host port above 65535 and a repeated Host header with 400, before the branch', async () => {
    const before = branch.started.get('/hello/get-hello') ?? 0;
    const send = (headers: string) =>
      rawTls({
        port: ports.production!.port,
        servername: PROD,
        ca,
        payload: `GET /hello/get-hello HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`,
      });
    expect(await send(`Host: ${PROD}:99999\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await send(`Host: [::1]:70000\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await send(`Host: ${PROD}\r\nHost: ${DEV}\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await send(`Host: ${PROD}\r\nhost: ${PROD}\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(branch.started.get('/hello/get-hello') ?? 0).toBe(before);
    // The highest port and one Host header in any case are fine.
    expect(await send(`HOST: ${PROD}:65535\r\n`)).toMatch(/^HTTP\/1\.1 200/);
    // The redirect listener refuses a repeated Host too (it names where to go).
    const plain = await new Promise<string>((resolve, reject) => {
      import('node:net').then(({ connect }) => {
        const socket = connect(ports.production!.httpPort, '127.0.0.1', () =>
          socket.write(`GET / HTTP/1.1\r\nHost: ${PROD}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`),
        );
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
        socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
      }, reject);
    });
    expect(plain).toMatch(/^HTTP\/1\.1 400/);
  });

  it('speaks only the intermediate TLS profile: no CBC-SHA1 suite, with or without a name to pick a certificate', async () => {
    const handshake = (options: tls.ConnectionOptions) =>
      new Promise<{ ok: true; protocol: string | null; cipher: string } | { ok: false; error: string }>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: ports.production!.port, ca, ...options }, () => {
          resolve({ ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().name });
          socket.end();
        });
        socket.on('error', (error) => resolve({ ok: false, error: error.message }));
        socket.setTimeout(10_000, () => socket.destroy(new Error('no handshake')));
      });
    for (const servername of [PROD, undefined]) {
      const checked = servername ? { servername } : { servername: '', checkServerIdentity: () => undefined };
      const cbc = await handshake({
        ...checked,
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA',
      });
      expect(cbc.ok, String(servername)).toBe(false);
      const gcm = await handshake({
        ...checked,
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256',
      });
      expect(gcm, String(servername)).toMatchObject({
        ok: true,
        protocol: 'TLSv1.2',
        cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256',
      });
      expect(await handshake({ ...checked }), String(servername)).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
      expect((await handshake({ ...checked, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).ok).toBe(false);
    }
  });
});
