// Sleep and wake against real branch processes (PM2 in Docker) over real HTTPS: many first
// requests to a sleeping branch start it once; an idle branch sleeps and wakes; a branch that
// crashes while waking, or takes longer than its wake timeout, answers 503 with Retry-After and
// the reason and is not woken in a loop; every branch answers at its own host; a promotion to a
// sleeping branch fails no request.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBranch } from '../build/index.ts';
import { createEventBus } from '../events/index.ts';
import { createBranch, recordChecks } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import { branchLifecycle, Pm2Runtime } from '../runtime/index.ts';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { loadWorkspace } from '../workspace/index.ts';
import { editGateway, httpsRequest, useFreePorts } from './fixtures/gateway-fixture.ts';
import { caFiles, GatewayManager, promoteBranch } from './index.ts';

const HOST = 'users.development.ws.localhost';

const hello = (tag: string) =>
  text({
    'src/features/hello/controllers/hello.ts': `export function getHello(): { hello: string } {\n  return { hello: '${tag}' };\n}\n`,
  });
// Each misbehaves only where it runs (BRANCHYARD_SOCKET is set), so it builds.
const crashing = text({
  'src/features/boom/controllers/boom.ts':
    "if (process.env.BRANCHYARD_SOCKET) throw new Error('boom at start');\nexport function getBoom(): { ok: boolean } {\n  return { ok: true };\n}\n",
});
const slow = text({
  'src/features/slow/controllers/slow.ts':
    'if (process.env.BRANCHYARD_SOCKET) await new Promise((resolve) => setTimeout(resolve, 90_000));\nexport function getSlow(): { ok: boolean } {\n  return { ok: true };\n}\n',
});

describe('sleeping branches wake on their first request', () => {
  let ws: TestWorkspace;
  let runtime: Pm2Runtime;
  let manager: GatewayManager;
  let store: Store;
  let ca: string;
  let port: number;
  const events = createEventBus();
  const servers = new Map<number, string>();
  const wakes = new Map<number, number>();

  beforeAll(async () => {
    ws = await testWorkspace();
    port = (await useFreePorts(ws.paths)).development!.port;
    runtime = await Pm2Runtime.open({
      workspace: ws.paths,
      limits: { memoryMb: 512, cpus: 1, pids: 256 },
      backend: 'docker',
    }).catch((error: Error) => {
      throw new Error(
        `these tests need a running Docker engine (./scripts/test.sh starts one as root): ${error.message}`,
      );
    });
    // 00002 hello, 00003 crashes at start, 00004 takes 90 s to start, 00005 hello again.
    for (const changes of [hello('00002'), crashing, slow, hello('00005')])
      await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        parent: 1,
        changes,
        author: 'user',
        message: 'branch',
      });
    for (const n of [2, 3, 4, 5]) {
      const built = await buildBranch(ws.codebase, n);
      expect(built.ok).toBe(true);
      servers.set(n, built.server!);
    }
    await editGateway(ws.paths, 'development', (c) => (c.routes = { users: '00002' }));
    const lifecycle = branchLifecycle(
      async () => runtime,
      async (codebase, branch) => void (await runtime.start(codebase, branch, servers.get(branch)!)),
    );
    store = await openStore({ stateDir: ws.paths.stateDir });
    manager = await GatewayManager.start({
      paths: ws.paths,
      events,
      strict: true,
      lifecycle: {
        ...lifecycle,
        wake: (codebase, branch) => (wakes.set(branch, (wakes.get(branch) ?? 0) + 1), lifecycle.wake(codebase, branch)),
      },
      wake: { timeoutMs: 40_000, maxFailures: 2, failedForMs: 60_000, sweepMs: 3_600_000 },
      // One client sends all 100 first requests here: its share of connections to branches must hold them.
      upstream: { connections: 128, perClient: 128 },
    });
    ca = await readFile(caFiles(ws.paths).certificate, 'utf8');
  }, 300_000);

  afterAll(async () => {
    await manager?.dispose();
    await store?.dispose();
    await runtime?.remove('users');
    await ws?.dispose();
  });

  const get = (host: string, path: string) => httpsRequest({ port, host, path, ca, timeoutMs: 60_000 });

  it('starts a sleeping branch once for 100 concurrent first requests, and all of them are answered', async () => {
    expect((await runtime.list('users')).find((p) => p.branch === 2)).toBeUndefined();
    const answers = await Promise.all(Array.from({ length: 100 }, () => get(HOST, '/hello/get-hello')));
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    expect(JSON.parse(answers[0]!.body)).toEqual({ hello: '00002' });
    expect(wakes.get(2)).toBe(1);
    expect((await runtime.list('users')).filter((p) => p.branch === 2).map((p) => [p.status, p.restarts])).toEqual([
      ['online', 0],
    ]);
  });

  it('puts an idle branch to sleep, keeps its route, and wakes it on the next request', async () => {
    await editGateway(ws.paths, 'development', (c) => (c.sleep = { idleMinutes: 0.001 }));
    await manager.reload();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await manager.wakeups!.sweep();
    expect((await runtime.list('users')).find((p) => p.branch === 2)?.status).toBe('sleeping');
    expect(manager.branchStates().find((s) => s.branch === 2)?.state).toBe('sleeping');
    const answer = await get(HOST, '/hello/get-hello');
    expect(answer.status).toBe(200);
    expect(wakes.get(2)).toBe(2);
    // Pinned: the branches this gateway routes to never sleep.
    await editGateway(ws.paths, 'development', (c) => (c.sleep = { idleMinutes: 0.001, pinned: true }));
    await manager.reload();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await manager.wakeups!.sweep();
    expect((await runtime.list('users')).find((p) => p.branch === 2)?.status).toBe('online');
  });

  it("serves every branch at its own host with the gateway's rules and its own API document", async () => {
    const own = await get('00005.users.development.ws.localhost', '/hello/get-hello');
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toEqual({ hello: '00005' });
    const document = await get('00005.users.development.ws.localhost', '/_branchyard/openapi.json');
    expect(document.status).toBe(200);
    expect(JSON.parse(document.body).servers[0].url).toContain('00005.users.development.ws.localhost');
    // A branch that does not exist has no name; staging gives branches no names of their own.
    expect((await get('00042.users.development.ws.localhost', '/hello/get-hello')).status).toBe(404);
  });

  it('answers 503 with Retry-After and the reason when a branch crashes while waking, and stops waking it after repeated failures', async () => {
    const host = '00003.users.development.ws.localhost';
    const first = await get(host, '/boom/get-boom');
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(first.body).message).toMatch(
      /branch 00003 of users could not start: .*crashed \d+ times in a row/,
    );
    const second = await get(host, '/boom/get-boom');
    expect(second.status).toBe(503);
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(30);
    // Marked failed: answered at once, with no further start.
    const started = Date.now();
    const third = await get(host, '/boom/get-boom');
    expect(third.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(wakes.get(3)).toBe(2);
    expect(manager.branchStates().find((s) => s.branch === 3)?.state).toBe('failed');
  }, 240_000);

  it(
    'answers 503 when a wake takes longer than its timeout, and leaves no process starting behind',
    { timeout: 120_000 },
    async () => {
      const answer = await get('00004.users.development.ws.localhost', '/slow/get-slow');
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body).message).toMatch(/did not wake within 40 s/);
      await expect
        .poll(async () => (await runtime.list('users')).find((p) => p.branch === 4 && p.pid !== null), {
          timeout: 20_000,
        })
        .toBeUndefined();
    },
  );

  it('promotes to a sleeping branch with no failed request', async () => {
    await runtime.start('users', 5, servers.get(5)!);
    await runtime.sleep('users', 5);
    const at = new Date().toISOString();
    await recordChecks(ws.codebase, 5, {
      status: 'built',
      checks: { build: { status: 'passed', at }, typecheck: { status: 'passed', at } },
    });
    const statuses: number[] = [];
    let going = true;
    const load = (async () => {
      while (going) statuses.push((await get(HOST, '/hello/get-hello')).status);
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // As the engine does it: make the branch run (a wake), and tell the gateways it does.
    const ensureRunning = async (codebase: string, branch: number) => {
      await runtime.resume(codebase, branch);
      manager.branchRunning(codebase, branch);
    };
    await promoteBranch({
      workspace: await loadWorkspace(ws.root),
      db: store.db,
      gateway: 'development',
      codebase: 'users',
      branch: 5,
      actor: 'user',
      by: 'user:test',
      events,
      ensureRunning,
      apply: () => manager.reload(),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    going = false;
    await load;
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(JSON.parse((await get(HOST, '/hello/get-hello')).body)).toEqual({ hello: '00005' });
  }, 120_000);
});
