// Gateways against real branch processes (PM2 in Docker) over real HTTPS: curl and Node's https
// trusting only the workspace CA (no -k). Routing, the HTTP redirect, bad input, access control,
// API docs, and promotion with requests in flight.
import { readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBranch } from '../build/index.ts';
import { createEventBus } from '../events/index.ts';
import { createBranch, recordChecks } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { gitCli, testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import { branchLogsFolder, LogService, tailLogs } from '../logs/index.ts';
import { Pm2Runtime } from '../runtime/index.ts';
import { listPromotions, openStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { loadWorkspace } from '../workspace/index.ts';
import { freePort } from '../testing/index.ts';
import { curl, editGateway, httpsRequest, rawTls, useFreePorts } from './fixtures/gateway-fixture.ts';
import { caFiles, GatewayManager, hashPassword, hiddenLabel, promoteBranch } from './index.ts';

const HOST = 'users.development.ws.localhost';
const LIMITS = { memoryMb: 512, cpus: 1, pids: 256 };

function branchCode(branch: string): Record<string, string> {
  return {
    'src/features/hello/controllers/hello.ts': [
      `export function getHello(): { hello: string } {\n  return { hello: 'from ${branch}' };\n}\n`,
      `export async function getSlow(): Promise<{ branch: string }> {\n  await new Promise((resolve) => setTimeout(resolve, 1500));\n  return { branch: '${branch}' };\n}\n`,
      `export function echoBody(input: { text: string }): { length: number } {\n  return { length: input.text.length };\n}\n`,
    ].join('\n'),
  };
}

describe('gateways over HTTPS to real branches', () => {
  let ws: TestWorkspace;
  let runtime: Pm2Runtime;
  let manager: GatewayManager;
  let store: Store;
  let ports: Awaited<ReturnType<typeof useFreePorts>>;
  let ca: string;
  let logs: LogService;
  const events = createEventBus();
  const dev = () => ports.development!.port;

  beforeAll(async () => {
    ws = await testWorkspace();
    ports = await useFreePorts(ws.paths);
    // Small limits, so the tests can reach them.
    await editGateway(
      ws.paths,
      'development',
      (c) => (c.limits = { maxHeaderBytes: 4096, maxBodyBytes: 1000, headersTimeoutMs: 1500 }),
    );
    runtime = await Pm2Runtime.open({ workspace: ws.paths, limits: LIMITS, backend: 'docker' }).catch(
      (error: Error) => {
        throw new Error(
          `these tests need a running Docker engine (./scripts/test.sh starts one as root): ${error.message}`,
        );
      },
    );
    for (const branch of ['00002', '00003']) {
      await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        changes: text(branchCode(branch)),
        author: 'user',
        message: `Hello ${branch}`,
      });
    }
    for (const n of [2, 3]) {
      const built = await buildBranch(ws.codebase, n);
      expect(built.diagnostics).toEqual([]);
      await runtime.start('users', n, built.server!);
    }
    // Development serves 00002; the others follow active-branch (00001, not running).
    await editGateway(ws.paths, 'development', (c) => (c.routes = { users: '00002' }));
    store = await openStore({ stateDir: ws.paths.stateDir });
    logs = await LogService.open({ workspace: await loadWorkspace(ws.paths.root), events });
    manager = await GatewayManager.start({ paths: ws.paths, events, strict: true, log: logs.accessLog });
    ca = await readFile(caFiles(ws.paths).certificate, 'utf8');
  }, 240_000);

  afterAll(async () => {
    await manager?.dispose();
    await logs?.dispose();
    await store?.dispose();
    await runtime?.remove('users');
    await ws?.dispose();
  });

  it('serves the routed branch over HTTPS to curl and Node with only the workspace CA, and redirects plain HTTP', async () => {
    const viaCurl = await curl({
      url: `https://${HOST}:${dev()}/hello/get-hello`,
      host: HOST,
      port: dev(),
      ca: caFiles(ws.paths).certificate,
    });
    expect(viaCurl).toMatchObject({ status: 200 });
    expect(JSON.parse(viaCurl.body)).toEqual({ hello: 'from 00002' });
    const viaNode = await httpsRequest({ port: dev(), host: HOST, path: '/hello/get-hello', ca });
    expect(JSON.parse(viaNode.body)).toEqual({ hello: 'from 00002' });
    // A POST with a JSON body goes through too.
    const posted = await httpsRequest({
      port: dev(),
      host: HOST,
      path: '/hello/echo-body',
      ca,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(posted.status).toBe(200);
    expect(JSON.parse(posted.body)).toEqual({ length: 5 });

    const redirect = await curl({
      url: `http://${HOST}:${ports.development!.httpPort}/hello/get-hello?x=1`,
      host: HOST,
      port: ports.development!.httpPort,
      ca: caFiles(ws.paths).certificate,
    });
    expect(redirect.status).toBe(308);
    const followed = await curl({
      url: `http://${HOST}:${ports.development!.httpPort}/hello/get-hello`,
      host: HOST,
      port: ports.development!.httpPort,
      ca: caFiles(ws.paths).certificate,
      extra: ['-L', '--resolve', `${HOST}:${dev()}:127.0.0.1`],
    });
    expect(followed.status).toBe(200);

    // The CA key: 0600, in the engine's private folder, which git ignores.
    expect((await stat(caFiles(ws.paths).key)).mode & 0o777).toBe(0o600);
    const ignored = await gitCli(['check-ignore', path.relative(ws.root, caFiles(ws.paths).key)], { cwd: ws.root });
    expect(ignored.trim()).toBe('.branchyard/ca/ca.key');
  });

  it('answers unknown and malformed hosts, bad paths and unknown routes without reaching the branch', async () => {
    const unknown = await httpsRequest({
      port: dev(),
      host: 'nope.development.ws.localhost',
      path: '/hello/get-hello',
      ca,
    });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error).toBe('unknown-host');
    // Another gateway's name is unknown here: the listener decides the environment.
    expect(
      (await httpsRequest({ port: dev(), host: 'users.staging.ws.localhost', path: '/hello/get-hello', ca })).status,
    ).toBe(404);

    const malformed = await rawTls({
      port: dev(),
      servername: HOST,
      ca,
      payload: 'GET /hello/get-hello HTTP/1.1\r\nHost: bad_host!\r\nConnection: close\r\n\r\n',
    });
    expect(malformed).toMatch(/^HTTP\/1\.1 400/);
    const missing = await rawTls({
      port: dev(),
      servername: HOST,
      ca,
      payload: 'GET /hello/get-hello HTTP/1.0\r\n\r\n',
    });
    expect(missing).toMatch(/^HTTP\/1\.1 400/);

    for (const target of [
      '/hello/../health',
      '/%2e%2e/health',
      '/hello%2fget-hello',
      '//hello/get-hello',
      '/hello/%252e%252e',
      '/hello/get-hello%00',
      '/hello/%zz',
    ]) {
      const answer = await rawTls({
        port: dev(),
        servername: HOST,
        ca,
        payload: `GET ${target} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`,
      });
      expect(answer, target).toMatch(/^HTTP\/1\.1 400/);
    }
    // Only the routes of the branch's OpenAPI document: /health is the branch's, not a route.
    expect((await httpsRequest({ port: dev(), host: HOST, path: '/health', ca })).status).toBe(404);
    const wrongMethod = await httpsRequest({ port: dev(), host: HOST, path: '/hello/get-hello', ca, method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
  });

  it('refuses headers and bodies over the limits, and cuts slow clients', async () => {
    const big = await httpsRequest({
      port: dev(),
      host: HOST,
      path: '/hello/get-hello',
      ca,
      headers: { 'x-padding': 'a'.repeat(8000) },
    });
    expect(big.status).toBe(431);
    const declared = await httpsRequest({
      port: dev(),
      host: HOST,
      path: '/hello/echo-body',
      ca,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(2000) }),
    });
    expect(declared.status).toBe(413);
    // Chunked, so the size is only known while it streams.
    const streamed = await rawTls({
      port: dev(),
      servername: HOST,
      ca,
      payload: `POST /hello/echo-body HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n7d0\r\n${'x'.repeat(2000)}\r\n0\r\n\r\n`,
    });
    expect(streamed).toMatch(/^HTTP\/1\.1 413/);

    // Slowloris: a header sent a byte at a time is cut once headersTimeoutMs (1.5 s) has passed.
    const { connect } = await import('node:tls');
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: dev(), servername: HOST, ca }, () => {
        socket.write(`GET /hello/get-hello HTTP/1.1\r\nHost: ${HOST}\r\n`);
        const drip = setInterval(() => socket.write('X'), 200);
        socket.on('close', () => {
          clearInterval(drip);
          resolve(Date.now() - started);
        });
      });
      socket.on('error', () => undefined);
      setTimeout(() => reject(new Error('the slow client was never cut')), 15_000);
    });
    expect(closedAfter).toBeLessThan(6_000);
  });

  it('answers 503 naming nothing internal when the routed branch is stopped', async () => {
    // Staging serves active-branch 00001, which is not running.
    const answer = await httpsRequest({
      port: ports.staging!.port,
      host: 'users.staging.ws.localhost',
      path: '/notes/list-notes',
      ca,
    });
    expect(answer.status).toBe(503);
    expect(answer.body).not.toMatch(/sock|\.branchyard|00001|pm2|docker|\//i);
  });

  it('applies IP allow and deny lists (deny wins), for IPv4 and IPv6', async () => {
    await editGateway(ws.paths, 'development', (c) => (c.access = { allow: ['127.0.0.0/8'], deny: ['127.0.0.1'] }));
    await manager.reload();
    expect((await httpsRequest({ port: dev(), host: HOST, path: '/hello/get-hello', ca })).status).toBe(403);
    await editGateway(ws.paths, 'development', (c) => (c.access = { allow: ['10.0.0.0/8', 'fd00::/8'], deny: [] }));
    await manager.reload();
    expect((await httpsRequest({ port: dev(), host: HOST, path: '/hello/get-hello', ca })).status).toBe(403);
    // Overridden for the codebase: allowed again.
    await editGateway(
      ws.paths,
      'development',
      (c) => (c.codebases = { users: { access: { allow: ['127.0.0.1/32'] } } }),
    );
    await manager.reload();
    expect((await httpsRequest({ port: dev(), host: HOST, path: '/hello/get-hello', ca })).status).toBe(200);
    await editGateway(ws.paths, 'development', (c) => {
      c.access = { allow: [], deny: [] };
      delete c.codebases;
    });
    await manager.reload();

    // IPv6: a gateway of its own on ::1.
    const port = await freePort('::1').catch(() => undefined);
    expect(port, 'this machine has no IPv6 loopback (::1)').toBeDefined();
    await editGateway(ws.paths, 'staging', (c) =>
      Object.assign(c, { host: '::1', port, httpPort: null, access: { allow: [], deny: ['::1/128'] } }),
    );
    const v6 = await GatewayManager.start({ paths: ws.paths, only: ['staging'], strict: true });
    try {
      const refused = await httpsRequest({
        port: port!,
        host: 'users.staging.ws.localhost',
        path: '/notes/list-notes',
        ca,
        address: '::1',
      });
      expect(refused.status).toBe(403);
    } finally {
      await v6.dispose();
      await editGateway(ws.paths, 'staging', (c) =>
        Object.assign(c, {
          host: '127.0.0.1',
          port: ports.staging!.port,
          httpPort: ports.staging!.httpPort,
          access: { allow: [], deny: [] },
        }),
      );
    }
  });

  it('hides a gateway behind a random label, answering every other name as unknown', async () => {
    await editGateway(ws.paths, 'development', (c) => ((c.access as Record<string, unknown>).hidden = true));
    await manager.reload();
    const label = await hiddenLabel(ws.paths, 'development');
    expect(label).toMatch(/^[a-z0-9]{16}$/);
    const hiddenHost = `${label}.${HOST}`;
    expect(
      JSON.parse(
        (
          await curl({
            url: `https://${hiddenHost}:${dev()}/hello/get-hello`,
            host: hiddenHost,
            port: dev(),
            ca: caFiles(ws.paths).certificate,
          })
        ).body,
      ),
    ).toEqual({ hello: 'from 00002' });
    const plain = await httpsRequest({ port: dev(), host: HOST, path: '/hello/get-hello', ca });
    const unknown = await httpsRequest({
      port: dev(),
      host: 'nothing.development.ws.localhost',
      path: '/hello/get-hello',
      ca,
    });
    expect(plain.status).toBe(404);
    expect(plain.body).toBe(unknown.body);
    expect(
      (await httpsRequest({ port: dev(), host: `wrong${label.slice(5)}.${HOST}`, path: '/hello/get-hello', ca })).body,
    ).toBe(unknown.body);
    await editGateway(ws.paths, 'development', (c) => ((c.access as Record<string, unknown>).hidden = false));
    await manager.reload();
  });

  it('asks for basic auth, limits wrong attempts, and logs refusals without the credentials', async () => {
    const hash = await hashPassword('correct horse battery');
    await editGateway(
      ws.paths,
      'development',
      (c) => ((c.access as Record<string, unknown>).basicAuth = { users: { alice: hash } }),
    );
    await manager.reload();
    const auth = (user: string, password: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    });

    const none = await httpsRequest({ port: dev(), host: HOST, path: '/hello/get-hello', ca });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm="development \(ws\)"/);
    const good = await curl({
      url: `https://${HOST}:${dev()}/hello/get-hello`,
      host: HOST,
      port: dev(),
      ca: caFiles(ws.paths).certificate,
      extra: ['-u', 'alice:correct horse battery'],
    });
    expect(good.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await httpsRequest({
            port: dev(),
            host: HOST,
            path: '/hello/get-hello',
            ca,
            headers: auth('alice', `wrong-password-${i}`),
          })
        ).status,
      );
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    // Locked out for a while, even with the right password.
    expect(
      (
        await httpsRequest({
          port: dev(),
          host: HOST,
          path: '/hello/get-hello',
          ca,
          headers: auth('alice', 'correct horse battery'),
        })
      ).status,
    ).toBe(429);

    await logs.flush();
    const { text: log } = await tailLogs(branchLogsFolder(logs.repository.root, 'users', 2), 'api-gateway', 2000);
    expect(log).toMatch(
      /development GET \/hello\/get-hello 401 [\d.]+ms [1-9]\d*B 127\.0\.0\.1 refused \(basic auth: wrong credentials\)/,
    );
    expect(log).toMatch(/ 200 [\d.]+ms [1-9]\d*B 127\.0\.0\.1 proxied user=alice/);
    expect(log).not.toMatch(/wrong-password|correct horse|Basic /);
    expect(log).not.toContain(Buffer.from('alice:wrong-password-0').toString('base64'));

    await editGateway(ws.paths, 'development', (c) => ((c.access as Record<string, unknown>).basicAuth = null));
    await manager.reload();
  });

  it('serves the merged OpenAPI document and a local API explorer', async () => {
    const gatewayHost = 'development.ws.localhost';
    const merged = await httpsRequest({ port: dev(), host: gatewayHost, path: '/_branchyard/openapi.json', ca });
    expect(merged.status).toBe(200);
    const document = JSON.parse(merged.body) as {
      openapi: string;
      paths: Record<string, { servers: Array<{ url: string }>; get?: { tags: string[] } }>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(document.paths['/hello/get-hello']?.servers[0]?.url).toBe(`https://${HOST}:${dev()}`);
    expect(document.paths['/hello/get-hello']?.get?.tags).toEqual(['users']);
    const own = JSON.parse(
      (await httpsRequest({ port: dev(), host: HOST, path: '/_branchyard/openapi.json', ca })).body,
    ) as { servers: Array<{ url: string }> };
    expect(own.servers[0]!.url).toBe(`https://${HOST}:${dev()}`);

    const page = await httpsRequest({ port: dev(), host: gatewayHost, path: '/_branchyard/docs', ca });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toEqual(['/_branchyard/docs/swagger-ui-bundle.js', '/_branchyard/docs/init.js']);
    for (const script of scripts) {
      const asset = await httpsRequest({ port: dev(), host: gatewayHost, path: script, ca });
      expect(asset.status, script).toBe(200);
    }
    expect(
      (await httpsRequest({ port: dev(), host: gatewayHost, path: '/_branchyard/docs/init.js', ca })).body,
    ).toContain("'/_branchyard/openapi.json'");
  });

  it('promotes with requests in flight: they finish on the old branch, new ones go to the new one, none fails', async () => {
    const workspace = await loadWorkspace(ws.root);
    const agent = new (await import('node:https')).Agent({ keepAlive: true, maxSockets: 8 });
    const inFlight = httpsRequest({ port: dev(), host: HOST, path: '/hello/get-slow', ca, agent });
    let stop = false;
    const failures: string[] = [];
    let sent = 0;
    const load = (async () => {
      while (!stop) {
        sent++;
        const answer = await httpsRequest({ port: dev(), host: HOST, path: '/hello/get-hello', ca, agent }).catch(
          (error: Error) => ({ status: 0, body: error.message }),
        );
        if (answer.status !== 200) failures.push(`${answer.status} ${answer.body}`);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = await promoteBranch({
      workspace,
      db: store.db,
      gateway: 'development',
      codebase: 'users',
      branch: 3,
      actor: 'user',
      by: 'user:test',
      events,
      ensureRunning: async () => undefined,
      apply: () => manager.reload(),
    });
    expect(result).toMatchObject({ gateway: 'development', codebase: 'users', from: 2, to: 3, by: 'user:test' });
    expect(
      JSON.parse((await httpsRequest({ port: dev(), host: HOST, path: '/hello/get-hello', ca, agent })).body),
    ).toEqual({ hello: 'from 00003' });
    expect(JSON.parse((await inFlight).body)).toEqual({ branch: '00002' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await load;
    agent.destroy();
    expect(sent).toBeGreaterThan(10);
    expect(failures).toEqual([]);

    // Recorded in the gateway file (committed) and in the engine state.
    const file = JSON.parse(await readFile(path.join(ws.paths.gatewaysDir, 'development.json'), 'utf8')) as {
      routes: Record<string, string>;
      promotions: Array<Record<string, unknown>>;
    };
    expect(file.routes.users).toBe('00003');
    expect(file.promotions.at(-1)).toMatchObject({ codebase: 'users', from: '00002', to: '00003', by: 'user:test' });
    expect(await gitCli(['log', '-1', '--format=%s'], { cwd: ws.root })).toMatch(
      /^Promote users 00003 to development \(was 00002\)/,
    );
    expect(await listPromotions(store.db, { gateway: 'development' })).toMatchObject([
      { codebase: 'users', from: 2, to: 3, actor: 'user', by: 'user:test' },
    ]);

    // A new engine serves the same route; rolling back is promoting the previous branch.
    const again = await GatewayManager.start({
      paths: ws.paths,
      only: ['development'],
      ports: { port: await freePort(), httpPort: null },
      strict: true,
    });
    try {
      expect(again.routeOf('development', 'users')).toBe(3);
    } finally {
      await again.dispose();
    }
    await promoteBranch({
      workspace: await loadWorkspace(ws.root),
      db: store.db,
      gateway: 'development',
      codebase: 'users',
      branch: 2,
      actor: 'user',
      ensureRunning: async () => undefined,
      apply: () => manager.reload(),
    });
    expect(JSON.parse((await httpsRequest({ port: dev(), host: HOST, path: '/hello/get-hello', ca })).body)).toEqual({
      hello: 'from 00002',
    });
  });

  it('refuses to promote to a protected gateway until every check passed, and to a gateway that does not exist', async () => {
    const options = {
      db: store.db,
      codebase: 'users',
      branch: 3,
      actor: 'user' as const,
      ensureRunning: async () => undefined,
      apply: () => manager.reload(),
    };
    await expect(
      promoteBranch({ ...options, workspace: await loadWorkspace(ws.root), gateway: 'productoin' }),
    ).rejects.toThrow('no gateway named "productoin" (gateways: development, production, staging)');
    await expect(
      promoteBranch({ ...options, workspace: await loadWorkspace(ws.root), gateway: 'production' }),
    ).rejects.toThrow(
      /^production is protected and takes only branches whose every check passed; branch 00003 of users has: build pending, typecheck pending, tests pending, routes pending, schema pending$/,
    );
    const at = new Date().toISOString();
    await recordChecks(ws.codebase, 3, {
      status: 'built',
      checks: {
        build: { status: 'passed', at },
        typecheck: { status: 'passed', at },
        tests: { status: 'failed', at, detail: '2 failing' },
        routes: { status: 'passed', at },
        schema: { status: 'passed', at },
      },
    });
    await expect(
      promoteBranch({ ...options, workspace: await loadWorkspace(ws.root), gateway: 'production' }),
    ).rejects.toThrow(/has: tests failed \(2 failing\)$/);
    expect(manager.routeOf('production', 'users')).toBe(1);
    // Routes that fail their checks keep a branch out as surely as failing tests.
    await recordChecks(ws.codebase, 3, {
      status: 'built',
      checks: {
        tests: { status: 'passed', at },
        routes: { status: 'failed', at, detail: 'GET /hello/get-hello: a valid input got 500' },
      },
    });
    await expect(
      promoteBranch({ ...options, workspace: await loadWorkspace(ws.root), gateway: 'production' }),
    ).rejects.toThrow(/has: routes failed \(GET \/hello\/get-hello: a valid input got 500\)$/);
    expect(manager.routeOf('production', 'users')).toBe(1);
    // Skipped with a reason (a branch on its database, which the route checks cannot reach yet) is not failed.
    await recordChecks(ws.codebase, 3, {
      status: 'built',
      checks: { routes: { status: 'skipped', at, detail: 'connects to the database' } },
    });
    await promoteBranch({ ...options, workspace: await loadWorkspace(ws.root), gateway: 'production' });
    expect(manager.routeOf('production', 'users')).toBe(3);
    const answer = await httpsRequest({
      port: ports.production!.port,
      host: 'users.production.ws.localhost',
      path: '/hello/get-hello',
      ca,
    });
    expect(JSON.parse(answer.body)).toEqual({ hello: 'from 00003' });
  });

  it('says which port and gateway when the port is taken by another program', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      await expect(
        GatewayManager.start({ paths: ws.paths, only: ['staging'], ports: { port, httpPort: null }, strict: true }),
      ).rejects.toThrow(
        `gateway staging: port ${port} on 127.0.0.1 (port in gateways/staging.json) is already in use by another program; stop it or choose another port`,
      );
    } finally {
      blocker.close();
    }
  });
});
