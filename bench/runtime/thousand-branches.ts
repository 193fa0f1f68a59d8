// Benchmark (issue 21), on the real Docker engine: a workspace of --codebases codebases with
// --branches branches in all, each a real git branch (its own commit) built by the real build,
// whose cache is keyed by tree: --trees distinct trees per codebase are built cold and the other
// branches find their build in the cache (a cold build took ~10 s at load 15 here, so 1,000
// distinct trees would take over an hour on two cores). Every branch is reachable at its own host on the development gateway
// (`00042.c03.development.ws.localhost`) over HTTPS, none running at the start. A seeded Zipf
// load touches them for --seconds while the live budget (--cap branches) keeps them from all
// being awake: the first request for a branch starts it, later ones past the cap wake it after
// the least recently used were put to sleep. Then a sweep asks every branch once (shuffled), so
// each of them is shown served on request, most of them by a start or a wake past the cap.
// Prints requests, 2xx, declared 503s (with Retry-After) apart from every other answer or
// failure (goal 0), request latency, wake latency (p50, p99), the machine's peak memory and the
// containers', peak live branches; and the references: how many branches fit all awake in the
// machine's memory (per-branch memory measured here) and how many bare `node:http` servers do.
//   node --import tsx bench/runtime/thousand-branches.ts [--branches 1000] [--codebases 10]
//     [--trees 1] [--seconds 60] [--concurrency 32] [--cap 100] [--zipf 1] [--seed 21] [--build-workers 2] [--no-sweep]
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildBranch } from '../../core/build/index.ts';
import { useFreePorts } from '../../core/gateway/fixtures/gateway-fixture.ts';
import { branchHost, caFiles, GatewayManager } from '../../core/gateway/index.ts';
import type { CodebaseHandle } from '../../core/git/index.ts';
import { addCodebase, createBranch, openCodebase } from '../../core/git/index.ts';
import { branchLifecycle, connectDocker, DockerBackend, Pm2Runtime } from '../../core/runtime/index.ts';
import { tempDir } from '../../core/testing/index.ts';
import { initWorkspace, workspacePaths } from '../../core/workspace/index.ts';

const { values } = parseArgs({
  options: {
    branches: { type: 'string', default: '1000' },
    codebases: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '32' },
    cap: { type: 'string', default: '100' },
    zipf: { type: 'string', default: '1' },
    seed: { type: 'string', default: '21' },
    'build-workers': { type: 'string', default: '2' },
    trees: { type: 'string', default: '1' },
    sweep: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const positive = (name: keyof typeof values, value: number) => {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a whole number above 0, not ${values[name]}`);
  return value;
};
const CODEBASES = positive('codebases', Number(values.codebases));
const BRANCHES = positive('branches', Number(values.branches));
const SECONDS = positive('seconds', Number(values.seconds));
const CONCURRENCY = positive('concurrency', Number(values.concurrency));
const CAP = positive('cap', Number(values.cap));
const BUILD_WORKERS = positive('build-workers', Number(values['build-workers']));
const TREES = positive('trees', Number(values.trees));
const ZIPF = Number(values.zipf);
const SWEEP = values.sweep;
if (!(ZIPF >= 0)) throw new Error(`--zipf must be a number ≥ 0, not ${values.zipf}`);
if (BRANCHES % CODEBASES !== 0)
  throw new Error(`--branches (${BRANCHES}) must be a multiple of --codebases (${CODEBASES})`);
const PER_CODEBASE = BRANCHES / CODEBASES;
// Each container may hold every live branch (the cap is for the machine, not per codebase).
const LIMITS = { memoryMb: Math.max(1024, Math.ceil(CAP * 40 + 256)), cpus: 2, pids: 8192 };

/** mulberry32: a small seeded generator, so two runs touch branches in the same order. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws 0…n-1 with P(rank k) ∝ 1/(k+1)^s; ranks are shuffled over the branches, so popularity is not by codebase. */
function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  const order = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return order[lo]!;
  };
}

const percentile = (xs: number[], p: number) =>
  xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const ms = (x: number) => (Number.isNaN(x) ? '–' : `${x.toFixed(0)} ms`);

/** Memory in use on the machine (MemTotal − MemAvailable), and what is available. */
async function machineMemory(): Promise<{ used: number; available: number }> {
  const text = await readFile('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)![1]) * 1024;
  return { used: field('MemTotal') - field('MemAvailable'), available: field('MemAvailable') };
}

/** A container's memory as `docker stats` counts it (usage less inactive file cache), from cgroup v1; null elsewhere. */
async function containerMemory(id: string): Promise<number | null> {
  const dir = `/sys/fs/cgroup/memory/docker/${id}`;
  try {
    const usage = Number(await readFile(`${dir}/memory.usage_in_bytes`, 'utf8'));
    const inactive = Number(/^total_inactive_file (\d+)/m.exec(await readFile(`${dir}/memory.stat`, 'utf8'))?.[1] ?? 0);
    return usage - inactive;
  } catch {
    return null;
  }
}

/** The reference for a branch's memory: a bare `node:http` server's resident memory, idle. */
async function bareServerRss(): Promise<number> {
  const child = spawn(
    process.execPath,
    ['-e', "require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', () => console.log('up'))"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve) => child.stdout.once('data', resolve));
  await sleep(1000);
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  child.kill();
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

/**
 * A branch's change: one of --trees variants per codebase. A build is cached by the branch's tree
 * (and the generator), so branches of one variant share one cold build and find it in the cache;
 * each still answers with its own number, from the environment its process runs with.
 */
const variantOf = (branch: number) => (branch - 2) % TREES;
const hello = (codebase: string, branch: number) => ({
  writes: [
    {
      path: 'src/features/hello/controllers/hello.ts',
      content: Buffer.from(
        `export function getHello(): { tag: string; branch: string } {\n  return { tag: '${codebase}-${variantOf(branch)}', branch: process.env.BRANCHYARD_BRANCH ?? '' };\n}\n`,
      ),
    },
  ],
  deletes: [],
});

const tmp = await tempDir('branchyard-bench-thousand-');
const root = path.join(tmp.path, 'ws');
await initWorkspace({ dir: root });
const paths = workspacePaths(root);
const names = Array.from({ length: CODEBASES }, (_, i) => `c${String(i).padStart(2, '0')}`);
const port = (await useFreePorts(paths)).development!.port;
const runtime = await Pm2Runtime.open({ workspace: paths, limits: LIMITS, backend: 'docker' });
const docker = await connectDocker();
const backend = await DockerBackend.open({ workspace: paths, limits: LIMITS });
let manager: GatewayManager | undefined;
try {
  // The branches: 00001 is each codebase's boilerplate (not loaded); 00002… each add the route
  // the load calls. One codebase's branches are made one after another (their numbers are taken
  // in turn), the codebases side by side.
  const setupStart = performance.now();
  const codebases = new Map<string, CodebaseHandle>();
  for (const name of names) {
    await addCodebase({ workspace: paths, logsRepository: '../ws-logs', name });
    codebases.set(name, await openCodebase(paths, name));
  }
  const targets: Array<{ codebase: string; branch: number }> = [];
  for (const name of names)
    for (let branch = 2; branch < PER_CODEBASE + 2; branch++) targets.push({ codebase: name, branch });
  let made = 0;
  await Promise.all(
    names.map(async (codebase) => {
      for (const { branch } of targets.filter((t) => t.codebase === codebase)) {
        await createBranch({
          codebase: codebases.get(codebase)!,
          logsRepository: '../ws-logs',
          parent: 1,
          changes: hello(codebase, branch),
          author: 'agent',
          message: `branch ${branch}`,
          // The workspace repository's commit of each record is one lock for the whole
          // workspace, on which the codebases' branches queue: the bench leaves it out.
          recordInWorkspace: false,
        });
        if (++made % 100 === 0)
          console.error(
            `  made ${made}/${targets.length} branches (${((performance.now() - setupStart) / 1000).toFixed(0)} s)`,
          );
      }
    }),
  );
  const branchesMade = performance.now();

  // Builds, --build-workers at a time (a cold one is mostly the type-check, one core).
  const servers = new Map<string, string>();
  const buildTimes: number[] = [];
  const cachedTimes: number[] = [];
  // One branch of each tree first, so no two workers build the same tree cold at once.
  const order = [...targets].sort((a, b) => Number(a.branch - 2 >= TREES) - Number(b.branch - 2 >= TREES));
  let next = 0;
  await Promise.all(
    Array.from({ length: BUILD_WORKERS }, async () => {
      while (next < order.length) {
        const { codebase, branch } = order[next++]!;
        const start = performance.now();
        const built = await buildBranch(codebases.get(codebase)!, branch);
        if (!built.ok)
          throw new Error(`branch ${branch} of ${codebase} did not build: ${JSON.stringify(built.problems)}`);
        (built.cached ? cachedTimes : buildTimes).push(performance.now() - start);
        servers.set(`${codebase}:${branch}`, built.server!);
        if (servers.size % 100 === 0)
          console.error(
            `  built ${servers.size}/${targets.length} (${((performance.now() - branchesMade) / 1000).toFixed(0)} s)`,
          );
      }
    }),
  );
  const built = performance.now();
  for (const name of names) await runtime.prepare(name);
  const prepared = performance.now();

  // Wakes and first starts, timed where the gateway asks for them.
  const firstStarts: number[] = [];
  const wakes: number[] = [];
  const started = new Set<string>();
  const lifecycle = branchLifecycle(
    async () => runtime,
    async (codebase, branch) => {
      started.add(`${codebase}:${branch}`);
      await runtime.start(codebase, branch, servers.get(`${codebase}:${branch}`)!);
    },
  );
  let sleeps = 0;
  /** Branches that answered since they last slept: a request to any other is one that waits for a start or wake. */
  const answered = new Set<string>();
  manager = await GatewayManager.start({
    paths,
    strict: true,
    lifecycle: {
      ...lifecycle,
      async wake(codebase, branch) {
        const start = performance.now();
        const first = !started.has(`${codebase}:${branch}`);
        await lifecycle.wake(codebase, branch);
        (first ? firstStarts : wakes).push(performance.now() - start);
      },
      async sleep(codebase, branch) {
        sleeps++;
        answered.delete(`${codebase}:${branch}`);
        await lifecycle.sleep(codebase, branch);
      },
    },
    budget: { maxBranches: CAP },
    wake: { sweepMs: 3_600_000 },
  });
  const ca = await readFile(caFiles(paths).certificate, 'utf8');
  const hosts = targets.map((t) => branchHost(t.branch, t.codebase, 'development', 'ws'));

  // Samplers: the machine's memory, the containers', this process's, and live branches.
  const containerIds = await Promise.all(
    names.map(async (name) => (await docker.getContainer(backend.containerName(name)).inspect()).Id),
  );
  const before = await machineMemory();
  const sumContainers = async () =>
    (await Promise.all(containerIds.map(containerMemory))).reduce<number>((a, b) => a + (b ?? 0), 0);
  const containersIdle = await sumContainers();
  const peaks = { machine: before.used, containers: 0, engine: process.memoryUsage().rss, live: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const [machine, containers] = await Promise.all([
        machineMemory(),
        Promise.all(containerIds.map(containerMemory)),
      ]);
      peaks.machine = Math.max(peaks.machine, machine.used);
      peaks.containers = Math.max(
        peaks.containers,
        containers.reduce<number>((a, b) => a + (b ?? 0), 0),
      );
      peaks.engine = Math.max(peaks.engine, process.memoryUsage().rss);
      const live = manager!.branchStates().filter((s) => s.state === 'live' || s.state === 'waking').length;
      peaks.live = Math.max(peaks.live, live);
      await sleep(250);
    }
  })();

  // The load: --concurrency clients, each sending one request at a time to a Zipf-drawn branch.
  const draw = zipf(BRANCHES, ZIPF, seeded(Number(values.seed)));
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4, maxFreeSockets: 2, scheduling: 'lifo', ca });
  /** What one phase's requests came to. */
  const tally = () => ({
    counts: { requests: 0, ok: 0, declared: 0, other: 0, failed: 0, misrouted: 0 },
    samples: [] as string[],
    declaredReasons: new Map<string, number>(),
    latencies: [] as number[],
    coldLatencies: [] as number[],
  });
  type Tally = ReturnType<typeof tally>;
  const zipfLoad = tally();
  const touched = new Set<number>();
  const request = (index: number, into: Tally) =>
    new Promise<void>((resolve) => {
      const { counts, samples, declaredReasons, latencies, coldLatencies } = into;
      const note = (what: string) => samples.length < 8 && samples.push(what);
      counts.requests++;
      const target = targets[index]!;
      const key = `${target.codebase}:${target.branch}`;
      const cold = !answered.has(key);
      const start = performance.now();
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          servername: hosts[index],
          headers: { host: `${hosts[index]}:${port}` },
          path: '/hello/get-hello',
          agent,
          timeout: 120_000,
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => {
            latencies.push(performance.now() - start);
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              if (cold) coldLatencies.push(performance.now() - start);
              answered.add(key);
              const answer = JSON.parse(body) as { tag: string; branch: string };
              if (
                answer.tag === `${target.codebase}-${variantOf(target.branch)}` &&
                answer.branch === String(target.branch)
              )
                counts.ok++;
              else {
                counts.misrouted++;
                note(`${hosts[index]} answered ${body}`);
              }
            } else if (status === 503 && response.headers['retry-after']) {
              counts.declared++;
              const reason = (JSON.parse(body) as { message?: string }).message ?? body;
              const kind = reason.replace(/\d+/g, 'N');
              declaredReasons.set(kind, (declaredReasons.get(kind) ?? 0) + 1);
            } else {
              counts.other++;
              note(`${hosts[index]}: ${status} ${body.slice(0, 200)}`);
            }
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 120 s')));
      req.on('error', (error) => {
        counts.failed++;
        note(`${hosts[index]}: ${error.message}`);
        resolve();
      });
      req.end();
    });

  const loadStart = performance.now();
  const deadline = loadStart + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const index = draw();
        touched.add(index);
        await request(index, zipfLoad);
      }
    }),
  );
  const loadMs = performance.now() - loadStart;
  const loadStarts = { first: firstStarts.length, wakes: wakes.length, sleeps };

  // The sweep: every branch once, in a seeded shuffled order, by the same clients: the proof that
  // any of them is served on request, not only those the Zipf load happened to reach.
  const sweep = tally();
  const sweepOrder = [...targets.keys()];
  const shuffle = seeded(Number(values.seed) + 1);
  for (let i = sweepOrder.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1));
    [sweepOrder[i], sweepOrder[j]] = [sweepOrder[j]!, sweepOrder[i]!];
  }
  const sweepStart = performance.now();
  let swept = 0;
  let sweptDone = 0;
  if (SWEEP)
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (swept < sweepOrder.length) {
          await request(sweepOrder[swept++]!, sweep);
          if (++sweptDone % 100 === 0)
            console.error(
              `  swept ${sweptDone}/${sweepOrder.length} (${((performance.now() - sweepStart) / 1000).toFixed(0)} s)`,
            );
        }
      }),
    );
  const sweepMs = performance.now() - sweepStart;
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

  // Per-branch memory of the branches live now (PM2's measure), for the all-awake reference.
  await sleep(2000);
  const sizes = [...(await lifecycle.memory()).values()].filter((b) => b > 0);
  const rssPerBranch = sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);
  // What a live branch adds to its container (shared pages counted once), the figure that fills the machine.
  const perBranch = ((await sumContainers()) - containersIdle) / Math.max(1, sizes.length);
  sampling = false;
  await sampler;
  const bare = await bareServerRss();
  const states = manager.branchStates();

  const setupS = (x: number, y: number) => `${((y - x) / 1000).toFixed(0)} s`;
  const dockerVersion = (await docker.version()).Version;
  console.log(
    `bench/runtime thousand: ${BRANCHES} branches in ${CODEBASES} codebases, Docker ${dockerVersion}, ${SECONDS} s of Zipf(s=${ZIPF}, seed ${values.seed}) load${SWEEP ? ' then a sweep of every branch' : ''}, ${CONCURRENCY} clients, cap ${CAP} live, load average after the Zipf load ${load}, at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `  setup: ${targets.length} branches made in ${setupS(setupStart, branchesMade)}; built in ${setupS(branchesMade, built)}, ${BUILD_WORKERS} at a time: ${buildTimes.length} cold (p50 ${ms(percentile(buildTimes, 50))}), ${cachedTimes.length} found in the cache by tree (p50 ${ms(percentile(cachedTimes, 50))}); containers ${setupS(built, prepared)}`,
  );
  const report = (what: string, { counts, samples, declaredReasons, latencies, coldLatencies }: Tally, ms_: number) => {
    console.log(
      `  ${what}: requests ${counts.requests} (${((counts.requests / ms_) * 1000).toFixed(1)}/s); 2xx ${counts.ok}; declared 503 with Retry-After ${counts.declared}; other non-2xx ${counts.other}, failed ${counts.failed}, wrong branch ${counts.misrouted} (goal 0)`,
    );
    for (const [reason, n] of declaredReasons) console.log(`    503 ×${n}: ${reason}`);
    for (const sample of samples) console.log(`    e.g. ${sample}`);
    console.log(
      `    request latency p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(0, ...latencies))}; a request to a branch not running → 2xx, as the client sees it (its turn included): p50 ${ms(percentile(coldLatencies, 50))}, p99 ${ms(percentile(coldLatencies, 99))} (${coldLatencies.length})`,
    );
  };
  report(`Zipf load, ${SECONDS} s over ${touched.size} distinct branches`, zipfLoad, loadMs);
  console.log(
    `    in the runtime: first start → ready (${loadStarts.first}) p50 ${ms(percentile(firstStarts.slice(0, loadStarts.first), 50))}, p99 ${ms(percentile(firstStarts.slice(0, loadStarts.first), 99))}; wake from sleep → ready (${loadStarts.wakes}) p50 ${ms(percentile(wakes.slice(0, loadStarts.wakes), 50))}, p99 ${ms(percentile(wakes.slice(0, loadStarts.wakes), 99))}; ${loadStarts.sleeps} put to sleep`,
  );
  if (SWEEP) {
    const sweepFirst = firstStarts.slice(loadStarts.first);
    const sweepWakes = wakes.slice(loadStarts.wakes);
    report(`sweep, every branch once, in ${(sweepMs / 1000).toFixed(0)} s`, sweep, sweepMs);
    console.log(
      `    in the runtime: first start → ready (${sweepFirst.length}) p50 ${ms(percentile(sweepFirst, 50))}, p99 ${ms(percentile(sweepFirst, 99))}; wake from sleep → ready (${sweepWakes.length}) p50 ${ms(percentile(sweepWakes, 50))}, p99 ${ms(percentile(sweepWakes, 99))}; ${sleeps - loadStarts.sleeps} put to sleep`,
    );
  }
  console.log(
    `  peak live branches ${peaks.live} (cap ${CAP}); now live ${states.filter((s) => s.state === 'live').length}, failed ${states.filter((s) => s.state === 'failed').length}`,
  );
  console.log(
    `  memory: machine in use ${mb(before.used)} before, peak ${mb(peaks.machine)} (+${mb(peaks.machine - before.used)}); branch containers peak ${mb(peaks.containers)}; engine (gateway + load, this process) peak RSS ${mb(peaks.engine)}`,
  );
  console.log(
    `  reference, all awake: a live branch adds ${mb(perBranch)} to its container (${sizes.length} live; ${mb(rssPerBranch)} RSS each as PM2 counts it) → ${Math.floor(before.available / perBranch)} fit in the ${mb(before.available)} available; a bare node:http server ${mb(bare)} RSS → ${Math.floor(before.available / bare)}`,
  );
} finally {
  await manager?.dispose();
  for (const name of names) await runtime.remove(name).catch(() => undefined);
  await runtime.close().catch(() => undefined);
  await rm(tmp.path, { recursive: true, force: true });
}
