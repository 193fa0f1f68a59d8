// Benchmark (issue 4), on the real Docker engine: from "branch committed" to the first 200
// through its socket (median of 10), the same for a reload of a running branch, each beside a
// bare `node server.js` started in the same container (the reference); then the memory of 20
// idle branches in one container beside the container with none; and the RSS of `branchyard
// serve` (peak until it serves, and idle) beside an idle `node -e` and a bare HTTP server.
// Issue 21 adds: a start of a built branch → first 200 (no build), and a wake of a sleeping
// branch (process stopped, entry kept) → first 200, p50 and p99 over --wakes wakes.
//   node --import tsx bench/runtime/start-and-memory.ts [--runs 10] [--idle 20] [--wakes 200] [--no-serve]
import http from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildBranch, runtimePreloader } from '../../core/build/index.ts';
import { addCodebase, createBranch, openCodebase } from '../../core/git/index.ts';
import { describeInBranchProcess } from '../../core/engine/index.ts';
import { connectDocker, DockerBackend, execIn, NODE_IN_IMAGE, Pm2Runtime } from '../../core/runtime/index.ts';
import { initWorkspace, workspacePaths } from '../../core/workspace/index.ts';
import { serveMemory } from './serve-memory.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    idle: { type: 'string', default: '20' },
    wakes: { type: 'string', default: '200' },
    serve: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const RUNS = Number(values.runs);
const IDLE = Number(values.idle);
const WAKES = Number(values.wakes);
const LIMITS = { memoryMb: 2048, cpus: 2, pids: 2048 };

function firstOk(socketPath: string, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const attempt = (): Promise<void> =>
    new Promise<number>((resolve) => {
      const request = http.get({ socketPath, path: url, timeout: 2000 }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', () => resolve(0));
      request.on('timeout', () => request.destroy());
    }).then(async (status) => {
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`${socketPath}${url} gave no 200 within ${timeoutMs} ms`);
      await sleep(5);
      return attempt();
    });
  return attempt();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const loadAtStart = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'branchyard-bench-runtime-'));
const root = path.join(tmp, 'ws');
await initWorkspace({ dir: root });
const paths = workspacePaths(root);
await addCodebase({ workspace: paths, logsRepository: '../ws-logs', name: 'svc' });
const codebase = await openCodebase(paths, 'svc');
const runtime = await Pm2Runtime.open({ workspace: paths, limits: LIMITS, backend: 'docker' });
const docker = await connectDocker();
const container = docker.getContainer(
  (await DockerBackend.open({ workspace: paths, limits: LIMITS })).containerName('svc'),
);
try {
  await runtime.prepare('svc');
  const idleMemory = (await container.stats({ stream: false })).memory_stats.usage ?? 0;

  // The reference: a bare Node.js HTTP server on a socket, started in the same container.
  const folders = runtime.folders('svc');
  await writeFile(
    path.join(folders.apps, 'bare.cjs'),
    "require('node:http').createServer((q, s) => s.end('ok')).listen(process.argv[2]);\n",
  );
  const bare: number[] = [];
  // Measured before and after the rest (a shared machine's load changes within a run).
  const measureBare = async (tag: string) => {
    for (let run = 0; run < RUNS; run++) {
      const socket = `bare-${tag}-${run}.sock`;
      const start = performance.now();
      const exec = await container.exec({
        Cmd: [NODE_IN_IMAGE, '/run/branchyard/bare.cjs', `/sockets/${socket}`],
        AttachStdout: false,
        AttachStderr: false,
      });
      await exec.start({ Detach: true });
      await firstOk(path.join(folders.sockets, socket), '/');
      bare.push(performance.now() - start);
    }
  };
  await measureBare('before');
  await execIn(container, [
    NODE_IN_IMAGE,
    '-e',
    "for (const p of require('node:fs').readdirSync('/proc')) { try { if (require('node:fs').readFileSync('/proc/' + p + '/cmdline', 'utf8').includes('bare.cjs')) process.kill(Number(p)); } catch {} }",
  ]);

  const fromCommit: number[] = [];
  const fromCommitEngine: number[] = [];
  const startOnly: number[] = [];
  const reload: number[] = [];
  // The engine runs a new branch as `branches.run` does: the branch's process starts in its
  // container as the build begins, loads the server once the checks passed and the build is in
  // place, and serves the OpenAPI document the build records (agent code never runs on the host).
  const preload = await runtimePreloader();
  const describeAsEngine = (branch: number) =>
    describeInBranchProcess(
      (server, placed) => runtime.start('svc', branch, server, {}, { placed, preload }),
      () => runtime.stop('svc', branch),
      runtime.socketPath('svc', branch),
    );
  const change = (name: string, n: number) => ({
    writes: [
      {
        path: `src/features/notes/controllers/${name}.ts`,
        content: Buffer.from(
          `export function get${name.replace('-', '')}(): { n: number } {\n  return { n: ${n} };\n}\n`,
        ),
      },
    ],
    deletes: [],
  });
  for (let run = 0; run < RUNS; run++) {
    const made = await createBranch({
      codebase,
      logsRepository: '../ws-logs',
      parent: 1,
      changes: change(`extra-${run}`, run),
      author: 'agent',
      message: `run ${run}`,
    });
    // The clock starts once the commit exists ("committed → first 200"): making the commit is the
    // agent's step, not the build's. Until 2026-12-02 it started before createBranch (~400 ms more).
    const start = performance.now();
    const built = await buildBranch(codebase, made.info.number);
    const starting = performance.now();
    await runtime.start('svc', made.info.number, built.server!);
    await firstOk(runtime.socketPath('svc', made.info.number), '/notes/list-notes');
    fromCommit.push(performance.now() - start);
    startOnly.push(performance.now() - starting);

    const again = performance.now();
    await runtime.start('svc', made.info.number, built.server!);
    await firstOk(runtime.socketPath('svc', made.info.number), '/notes/list-notes');
    reload.push(performance.now() - again);
    await runtime.stop('svc', made.info.number);

    // The same as the engine runs a new branch (branches.run).
    const asEngine = await createBranch({
      codebase,
      logsRepository: '../ws-logs',
      parent: 1,
      changes: change(`engine-${run}`, run),
      author: 'agent',
      message: `engine run ${run}`,
    });
    const engineStart = performance.now();
    const describe = describeAsEngine(asEngine.info.number);
    const engineBuilt = await buildBranch(codebase, asEngine.info.number, undefined, describe);
    if (!engineBuilt.ok)
      throw new Error(`branch ${asEngine.info.number} did not build: ${JSON.stringify(engineBuilt.problems)}`);
    // The first request only once the build (and so every check) finished: never before.
    if (!(await describe.started())) throw new Error('the engine path did not start the branch with its build');
    await firstOk(runtime.socketPath('svc', asEngine.info.number), '/notes/list-notes');
    fromCommitEngine.push(performance.now() - engineStart);
    await runtime.stop('svc', asEngine.info.number);
  }

  // Wake from sleep: the process stopped with its entry kept, woken as a gateway wakes it.
  const wakes: number[] = [];
  const first = await buildBranch(codebase, 1);
  await runtime.start('svc', 1, first.server!);
  for (let i = 0; i < WAKES; i++) {
    await runtime.sleep('svc', 1);
    const start = performance.now();
    await runtime.resume('svc', 1);
    await firstOk(runtime.socketPath('svc', 1), '/notes/list-notes');
    wakes.push(performance.now() - start);
  }
  // Each start says how it compiled the server runtime (issue 21: from its V8 code cache).
  const startLog = await readFile(path.join(folders.logs, 'svc-00001.out.log'), 'utf8').catch(() => '');
  const listened = startLog.split('\n').filter((line) => line.includes('[branch] listening'));
  const fromCache = listened.filter((line) => line.includes('(runtime: code cache')).length;
  await runtime.stop('svc', 1);

  await measureBare('after');
  await execIn(container, [
    NODE_IN_IMAGE,
    '-e',
    "for (const p of require('node:fs').readdirSync('/proc')) { try { if (require('node:fs').readFileSync('/proc/' + p + '/cmdline', 'utf8').includes('bare.cjs')) process.kill(Number(p)); } catch {} }",
  ]);

  // Memory: IDLE branches started from one build, idle, in one container.
  const built = await buildBranch(codebase, 1);
  for (let i = 0; i < IDLE; i++) await runtime.start('svc', 1 + i, built.server!);
  await sleep(2000);
  const loaded = (await container.stats({ stream: false })).memory_stats.usage ?? 0;

  // serve's memory is measured last and may fail (an engine that does not start) without losing the figures above.
  const serve = values.serve ? await serveMemory(tmp).catch((error: Error) => error) : null;

  const b = median(bare);
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `bench/runtime: Docker ${(await docker.version()).Version}, median of ${RUNS}, load at start ${loadAtStart}, at end ${load}`,
  );
  console.log(
    `  bare node server.js in the container, to first 200 (reference) ${median(bare).toFixed(0).padStart(7)} ms   (${RUNS} runs before the rest, ${RUNS} after)`,
  );
  console.log(
    `  branch committed → built → started → first 200               ${median(fromCommit).toFixed(0).padStart(7)} ms   ${(median(fromCommit) / b).toFixed(1)} × reference`,
  );
  console.log(
    `  the same as the engine runs it (process started with the build)  ${median(fromCommitEngine).toFixed(0).padStart(7)} ms   ${(median(fromCommitEngine) / b).toFixed(1)} × reference`,
  );
  console.log(
    `  of which start of the built branch → first 200               ${median(startOnly).toFixed(0).padStart(7)} ms   ${(median(startOnly) / b).toFixed(1)} × reference`,
  );
  console.log(
    `  reload of a running branch → first 200                        ${median(reload).toFixed(0).padStart(7)} ms   ${(median(reload) / b).toFixed(1)} × reference`,
  );
  if (wakes.length > 0)
    console.log(
      `  wake of a sleeping branch → first 200, ${WAKES} wakes   p50 ${percentile(wakes, 50).toFixed(0).padStart(5)} ms (${(percentile(wakes, 50) / b).toFixed(1)} × reference)   p99 ${percentile(wakes, 99).toFixed(0)} ms`,
    );
  console.log(`  runtime compiled from its code cache in ${fromCache} of ${listened.length} starts of branch 00001`);
  console.log(
    `  memory: container with PM2 alone ${mb(idleMemory)}; with ${IDLE} idle branches ${mb(loaded)} (${mb((loaded - idleMemory) / IDLE)} per branch)`,
  );
  const rss = (r: { peak: number; idle: number }) => `peak ${mb(r.peak)}, idle ${mb(r.idle)}`;
  if (serve instanceof Error) console.log(`  serve RSS: not measured (${serve.message.split('\n')[0]})`);
  else if (serve) {
    console.log(
      `  serve RSS: first start (creates the engine state) ${rss(serve.firstStart)}; restart ${rss(serve.restart)}`,
    );
    console.log(
      `             reference: node -e idle ${mb(serve.nodeIdle.idle)}, bare node HTTP server ${mb(serve.bareHttp.idle)}`,
    );
  }
} finally {
  await runtime.remove('svc');
  await rm(tmp, { recursive: true, force: true });
}
