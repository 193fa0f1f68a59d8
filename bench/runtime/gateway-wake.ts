// Benchmark (issue 21): a wake as a client meets it, on the real Docker engine. One branch is
// routed by the development gateway over HTTPS; each round the gateway puts it to sleep (its
// idle time passed: the process stopped, the route kept), and the next request, on a new TLS
// connection as a client coming back would open, is held while the gateway wakes the branch and
// then answered. p50 and p99 over --wakes wakes, beside the same request to the branch while it
// is live (the gateway's own share, the reference) measured in the same run.
//   node --import tsx bench/runtime/gateway-wake.ts [--wakes 200]
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildBranch } from '../../core/build/index.ts';
import { createBranch } from '../../core/git/index.ts';
import { testWorkspace, text } from '../../core/git/fixtures/test-workspace.ts';
import { editGateway, httpsRequest, useFreePorts } from '../../core/gateway/fixtures/gateway-fixture.ts';
import { caFiles, GatewayManager } from '../../core/gateway/index.ts';
import { branchLifecycle, Pm2Runtime } from '../../core/runtime/index.ts';

const { values } = parseArgs({ options: { wakes: { type: 'string', default: '200' } } });
const WAKES = Number(values.wakes);
if (!Number.isInteger(WAKES) || WAKES < 1)
  throw new Error(`--wakes must be a whole number above 0, not ${values.wakes}`);
const HOST = 'users.development.ws.localhost';

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const loadNow = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

const loadAtStart = loadNow();
const ws = await testWorkspace();
const port = (await useFreePorts(ws.paths)).development!.port;
const runtime = await Pm2Runtime.open({
  workspace: ws.paths,
  limits: { memoryMb: 512, cpus: 2, pids: 256 },
  backend: 'docker',
});
let manager: GatewayManager | undefined;
try {
  await createBranch({
    codebase: ws.codebase,
    logsRepository: ws.logsRepository,
    parent: 1,
    changes: text({
      'src/features/hello/controllers/hello.ts':
        "export function getHello(): { hello: string } {\n  return { hello: 'awake' };\n}\n",
    }),
    author: 'user',
    message: 'hello',
  });
  const built = await buildBranch(ws.codebase, 2);
  if (!built.ok) throw new Error(`the branch did not build: ${JSON.stringify(built.problems)}`);
  // Asleep as soon as a sweep runs: the bench runs the sweep itself, once per round.
  await editGateway(ws.paths, 'development', (c) => {
    c.routes = { users: '00002' };
    c.sleep = { idleMinutes: 0.0001 };
  });
  const lifecycle = branchLifecycle(
    async () => runtime,
    async (codebase, branch) => void (await runtime.start(codebase, branch, built.server!)),
  );
  manager = await GatewayManager.start({
    paths: ws.paths,
    strict: true,
    lifecycle,
    wake: { sweepMs: 3_600_000 },
  });
  const ca = await readFile(caFiles(ws.paths).certificate, 'utf8');
  const get = async () => {
    const start = performance.now();
    const answer = await httpsRequest({ port, host: HOST, path: '/hello/get-hello', ca, timeoutMs: 60_000 });
    if (answer.status !== 200 || !answer.body.includes('awake'))
      throw new Error(`the gateway answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    return performance.now() - start;
  };

  await get(); // the first start, not a wake
  const live: number[] = [];
  const wakes: number[] = [];
  for (let i = 0; i < WAKES; i++) {
    live.push(await get());
    await sleep(20);
    await manager.wakeups!.sweep();
    const state = manager.branchStates().find((s) => s.branch === 2)?.state;
    if (state !== 'sleeping')
      throw new Error(`round ${i}: the branch is ${state ?? 'unknown'} after the sweep, not sleeping`);
    wakes.push(await get());
  }
  const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;
  console.log(`bench/runtime gateway wake: ${WAKES} wakes, load at start ${loadAtStart}, at end ${loadNow()}`);
  console.log(
    `  request to the live branch through the gateway, new TLS connection (reference)   p50 ${ms(percentile(live, 50))}   p99 ${ms(percentile(live, 99))}`,
  );
  console.log(
    `  request to the sleeping branch → 200, woken by the gateway                          p50 ${ms(percentile(wakes, 50))}   p99 ${ms(percentile(wakes, 99))}   (goal p50 ≤ 300 ms, p99 ≤ 1 s)`,
  );
} finally {
  await manager?.dispose();
  await runtime.remove('users').catch(() => undefined);
  await ws.dispose();
}
