// The live budget against real branch processes (PM2 in Docker) over real HTTPS: past
// `live.maxBranches` (or `live.maxMemoryMb`) the least recently used branch sleeps, the branch
// just woken and the ones touched since stay live, and the branch that slept wakes on its next
// request; first requests arriving together for more sleeping branches than the budget never
// run more than it at once (the others are told to retry, with Retry-After); wakes go in turns,
// and past the wakes allowed to wait theirs a first request is told to retry rather than held.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBranch } from '../build/index.ts';
import { createEventBus } from '../events/index.ts';
import { createBranch } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import { branchLifecycle, Pm2Runtime } from '../runtime/index.ts';
import { httpsRequest, useFreePorts } from './fixtures/gateway-fixture.ts';
import { caFiles, GatewayManager } from './index.ts';
import type { GatewayManagerOptions } from './manager.ts';

const hello = (tag: string) =>
  text({
    'src/features/hello/controllers/hello.ts': `export function getHello(): { hello: string } {\n  return { hello: '${tag}' };\n}\n`,
  });

describe('past the live budget, the least recently used branches sleep first', () => {
  let ws: TestWorkspace;
  let runtime: Pm2Runtime;
  let manager: GatewayManager | undefined;
  let ca: string | undefined;
  let port: number;
  const servers = new Map<number, string>();
  const wakes: number[] = [];
  const sleeps: number[] = [];
  /** Branches woken and not yet put back to sleep, and the most there were at once. */
  const awake = new Set<number>();
  let peakAwake = 0;
  /** Wakes under way in the runtime, and the most at once. */
  let waking = 0;
  let peakWaking = 0;
  /** Wakes in the runtime wait for this first (a test holds them to see the queue). */
  let wakeGate: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    ws = await testWorkspace();
    port = (await useFreePorts(ws.paths)).development!.port;
    runtime = await Pm2Runtime.open({
      workspace: ws.paths,
      limits: { memoryMb: 768, cpus: 1, pids: 256 },
      backend: 'docker',
    }).catch((error: Error) => {
      throw new Error(
        `these tests need a running Docker engine (./scripts/test.sh starts one as root): ${error.message}`,
      );
    });
    for (const n of [2, 3, 4]) {
      await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        parent: 1,
        changes: hello(String(n).padStart(5, '0')),
        author: 'user',
        message: `hello ${n}`,
      });
      const built = await buildBranch(ws.codebase, n);
      expect(built.ok).toBe(true);
      servers.set(n, built.server!);
    }
  }, 300_000);

  afterAll(async () => {
    await manager?.dispose();
    await runtime?.remove('users');
    await ws?.dispose();
  });

  /** A gateway manager whose wakes and sleeps are counted, with this budget. */
  async function startManager(
    budget: GatewayManagerOptions['budget'],
    wake: GatewayManagerOptions['wake'] = {},
  ): Promise<GatewayManager> {
    const lifecycle = branchLifecycle(
      async () => runtime,
      async (codebase, branch) => void (await runtime.start(codebase, branch, servers.get(branch)!)),
    );
    return GatewayManager.start({
      paths: ws.paths,
      events: createEventBus(),
      strict: true,
      lifecycle: {
        ...lifecycle,
        wake: async (codebase, branch) => {
          wakes.push(branch);
          awake.add(branch);
          peakAwake = Math.max(peakAwake, awake.size);
          peakWaking = Math.max(peakWaking, ++waking);
          try {
            await wakeGate;
            await lifecycle.wake(codebase, branch);
          } finally {
            waking--;
          }
        },
        sleep: async (codebase, branch) => {
          sleeps.push(branch);
          await lifecycle.sleep(codebase, branch);
          awake.delete(branch);
        },
      },
      budget,
      wake: { timeoutMs: 40_000, sweepMs: 3_600_000, ...wake },
    });
  }

  const ask = async (branch: number) => {
    // The gateways make the workspace CA when they first start.
    ca ??= await readFile(caFiles(ws.paths).certificate, 'utf8');
    const host = `${String(branch).padStart(5, '0')}.users.development.ws.localhost`;
    return httpsRequest({ port, host, path: '/hello/get-hello', ca, timeoutMs: 60_000 });
  };
  const touch = async (branch: number) => {
    const answer = await ask(branch);
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ hello: String(branch).padStart(5, '0') });
  };
  const processStates = async () =>
    Object.fromEntries((await runtime.list('users')).map((p) => [p.branch, p.status === 'online' ? 'live' : p.status]));
  const gatewayStates = () => Object.fromEntries(manager!.branchStates().map((s) => [s.branch, s.state]));

  it('sleeps the least recently used of cap + 1 branches, and wakes it on its next request', async () => {
    manager = await startManager({ maxBranches: 2 });
    await touch(2);
    await touch(3);
    // 00002 is touched again: 00003 is now the least recently used.
    await touch(2);
    expect(wakes).toEqual([2, 3]);
    expect(sleeps).toEqual([]);
    await touch(4);
    await expect.poll(processStates, { timeout: 20_000 }).toEqual({ 2: 'live', 3: 'sleeping', 4: 'live' });
    expect(sleeps).toEqual([3]);
    expect(gatewayStates()).toEqual({ 2: 'live', 3: 'sleeping', 4: 'live' });

    // Its next request wakes it; now 00002 (touched before 00004) is the least recently used.
    await touch(3);
    expect(wakes).toEqual([2, 3, 4, 3]);
    await expect.poll(processStates, { timeout: 20_000 }).toEqual({ 2: 'sleeping', 3: 'live', 4: 'live' });
    expect(sleeps).toEqual([3, 2]);
    expect(gatewayStates()).toEqual({ 2: 'sleeping', 3: 'live', 4: 'live' });
  }, 180_000);

  it('past the memory budget, sleeps the least recently used and keeps the branch just woken', async () => {
    await manager!.dispose();
    wakes.length = 0;
    sleeps.length = 0;
    // One megabyte holds no branch: every wake puts every other live branch to sleep, oldest first.
    manager = await startManager({ maxMemoryBytes: 1024 * 1024 });
    await touch(4);
    await touch(2);
    await expect.poll(processStates, { timeout: 20_000 }).toEqual({ 2: 'live', 3: 'sleeping', 4: 'sleeping' });
    // 00003 and 00004 were found live by this manager (their sockets answered): 00003 is older.
    expect(sleeps).toEqual([3, 4]);
    expect(wakes).toEqual([2]);
    expect(gatewayStates()).toMatchObject({ 2: 'live', 4: 'sleeping' });
    await touch(4);
    await expect.poll(processStates, { timeout: 20_000 }).toEqual({ 2: 'sleeping', 3: 'sleeping', 4: 'live' });
    expect(wakes).toEqual([2, 4]);
  }, 180_000);

  it('first requests arriving together for more sleeping branches than the budget never run more than it', async () => {
    await manager?.dispose();
    for (const n of [2, 3, 4]) await runtime.sleep('users', n);
    wakes.length = 0;
    sleeps.length = 0;
    awake.clear();
    peakAwake = 0;
    manager = await startManager({ maxBranches: 2 });
    const answers = await Promise.all([2, 3, 4].map(async (n) => ({ n, answer: await ask(n) })));
    // Room is made before a wake, not after: never three processes for a budget of two.
    expect(peakAwake).toBeLessThanOrEqual(2);
    expect(Object.values(await processStates()).filter((s) => s === 'live').length).toBeLessThanOrEqual(2);
    for (const { answer } of answers) {
      if (answer.status === 200) continue;
      // No room while the others wake: declared, with when to retry, and the branch is not failed.
      expect(answer.status, answer.body).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(JSON.parse(answer.body).message).toMatch(/the 2 branches the live budget allows are all busy/);
    }
    expect(answers.filter(({ answer }) => answer.status === 200).length).toBeGreaterThanOrEqual(2);
    // Asked again, each answers (the least recently used of the others sleeps to make room).
    for (const { n, answer } of answers) if (answer.status !== 200) await touch(n);
    expect(peakAwake).toBeLessThanOrEqual(2);
    expect(Object.values(gatewayStates())).not.toContain('failed');
    expect(Object.values(gatewayStates()).filter((s) => s === 'live')).toHaveLength(2);
  }, 180_000);

  it('wakes in turns: many first requests at once start no more branches at once than allowed, and all answer', async () => {
    await manager?.dispose();
    for (const n of [2, 3, 4]) await runtime.sleep('users', n);
    wakes.length = 0;
    peakWaking = 0;
    manager = await startManager(undefined, { atOnce: 1 });
    const answers = await Promise.all([2, 3, 4].map((n) => ask(n)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(wakes.sort()).toEqual([2, 3, 4]);
    expect(peakWaking).toBe(1);
  }, 180_000);

  it('past the wakes allowed to wait their turn, a first request is told to retry (503, Retry-After), and the branch is not marked failed', async () => {
    await manager?.dispose();
    for (const n of [2, 3, 4]) await runtime.sleep('users', n);
    wakes.length = 0;
    manager = await startManager(undefined, { atOnce: 1, queued: 1 });
    // One wakes (held until the third is answered), one waits its turn, the third is past the
    // queue. Asked one after the other, each once the gateway has the one before.
    let release = () => {};
    wakeGate = new Promise((resolve) => (release = resolve));
    const first = ask(2);
    await expect.poll(() => gatewayStates()[2], { timeout: 30_000 }).toBe('waking');
    const second = ask(3);
    await expect.poll(() => gatewayStates()[3], { timeout: 30_000 }).toBe('waking');
    const third = await ask(4);
    release();
    expect(third.status, third.body).toBe(503);
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(third.body).toContain('waiting their turn');
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(gatewayStates()[4]).not.toBe('failed');
    expect(wakes.sort()).toEqual([2, 3]);
    // Asked again once the others are up, it wakes.
    await touch(4);
  }, 180_000);
});
