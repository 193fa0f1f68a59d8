// Benchmark (issue 21, item 5): the engine's own footprint and how fast the CLI starts.
// - `branchyard --help` and `branchyard branch list users` (no serve running: the engine in the
//   CLI's own process), wall time median of --runs, beside `node -e 0` (the floor of any Node
//   CLI) measured the same way in the same run; once more with the sources through tsx (before).
// - `branchyard serve` on a workspace with 3 gateways and 2 codebases: RSS when it serves and
//   after --idle seconds idle (and the peak until then), beside a bare Node.js HTTP server.
//   `--autostart` lets serve start the branches its gateways route to (needs Docker).
//   node --import tsx bench/cli/start-and-memory.ts [--runs 10] [--idle 10] [--autostart]
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { tempDir } from '../../core/testing/index.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    idle: { type: 'string', default: '10' },
    autostart: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const IDLE_MS = Number(values.idle) * 1000;
const BIN = fileURLToPath(new URL('../../bin/branchyard.js', import.meta.url));
// No state database from the environment: the embedded one, as a user's first workspace has.
const ENV = { ...process.env, BRANCHYARD_DATABASE_URL: '', BRANCHYARD_CLI_TRACE: '' };

function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      args,
      { cwd: options.cwd, env: { ...ENV, ...options.env }, timeout: 300_000 },
      (error, _stdout, stderr) =>
        error
          ? reject(new Error(`node ${args.join(' ')} failed: ${stderr || error.message}`))
          : resolve(performance.now() - started),
    ),
  );
}

async function median(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; runs?: number } = {},
): Promise<number> {
  await run(args, options); // warm: the page cache, and the bundle built if a source changed
  const times: number[] = [];
  for (let i = 0; i < (options.runs ?? RUNS); i++) times.push(await run(args, options));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: mb('VmRSS'), peak: mb('VmHWM') };
}

/** Starts a process, waits until its stdout says `ready`, reads its memory then and after the idle time, stops it. */
async function resident(
  args: string[],
  ready: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ start: number; idle: number; peak: number; readyMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 600_000;
    while (!stdout.includes(ready)) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`${args.join(' ')} did not get ready:\n${stdout}${stderr}`);
      await sleep(20);
    }
    const readyMs = performance.now() - started;
    const start = (await memory(child.pid!)).rss;
    await sleep(IDLE_MS);
    const idle = await memory(child.pid!);
    return { start, idle: idle.rss, peak: idle.peak, readyMs };
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}

/** The machine's load (1 and 5 minutes): the figures are comparable only beside the reference of the same run. */
const load = () =>
  loadavg()
    .slice(0, 2)
    .map((n) => n.toFixed(1))
    .join(' / ');
const loadBefore = load();
const tmp = await tempDir('branchyard-bench-cli-');
try {
  const ws = path.join(tmp.path, 'ws');
  await run([BIN, 'init', ws]);
  for (const name of ['users', 'orders']) await run([BIN, 'codebase', 'add', name], { cwd: ws });

  const floor = await median(['-e', '0']);
  const help = await median([BIN, '--help']);
  const list = await median([BIN, 'branch', 'list', 'users'], { cwd: ws });
  const loadAfterStart = load();
  const sourcesRuns = Math.min(RUNS, 3);
  const helpSources = await median([BIN, '--help'], { env: { BRANCHYARD_CLI: 'sources' }, runs: sourcesRuns });
  const listSources = await median([BIN, 'branch', 'list', 'users'], {
    cwd: ws,
    env: { BRANCHYARD_CLI: 'sources' },
    runs: sourcesRuns,
  });

  const bare = await resident(
    [
      '-e',
      "require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', () => console.log('listening'))",
    ],
    'listening',
  );
  const serveArgs = [
    BIN,
    '--workspace',
    ws,
    'serve',
    '--port',
    '0',
    '--json',
    ...(values.autostart ? [] : ['--no-autostart']),
  ];
  const serve = await resident(serveArgs, '"loginUrl"');
  const serveSources = await resident(serveArgs, '"loginUrl"', { BRANCHYARD_CLI: 'sources' });

  const ms = (n: number) => `${n.toFixed(0).padStart(6)} ms`;
  const mb = (n: number) => `${n.toFixed(0).padStart(5)} MB`;
  const ratio = (n: number, reference: number) => `${(n / reference).toFixed(1).padStart(5)} ×`;
  const line = (label: string, value: string, extra = '') => console.log(`  ${label.padEnd(54)}${value}${extra}`);
  console.log(
    `bench/cli: CLI start (median of ${RUNS}) and serve's memory, 3 gateways and 2 codebases   (${new Date().toISOString().slice(0, 10)})`,
  );
  line('load average (1 / 5 min): before, after the starts', `${loadBefore}  /  ${loadAfterStart}`);
  line('node -e 0 (reference)', ms(floor));
  line('branchyard --help', ms(help), `   ${ratio(help, floor)}   (goal ≤ 200 ms)`);
  line('branchyard branch list users (no serve)', ms(list), `   ${ratio(list, floor)}   (goal ≤ 500 ms)`);
  line(`  --help, sources through tsx (median of ${sourcesRuns})`, ms(helpSources), `   ${ratio(helpSources, floor)}`);
  line(
    `  branch list, sources through tsx (median of ${sourcesRuns})`,
    ms(listSources),
    `   ${ratio(listSources, floor)}`,
  );
  line('bare node:http server (reference): start / idle', `${mb(bare.start)} / ${mb(bare.idle)}`);
  const autostart = values.autostart ? 'autostart' : 'no autostart';
  line(
    `serve (${autostart}): start / idle / peak`,
    `${mb(serve.start)} / ${mb(serve.idle)} / ${mb(serve.peak)}`,
    `   idle ${ratio(serve.idle, bare.idle)}   (goal idle < 300 MB; ready in ${(serve.readyMs / 1000).toFixed(1)} s)`,
  );
  line(
    `  serve, sources through tsx: start / idle / peak`,
    `${mb(serveSources.start)} / ${mb(serveSources.idle)} / ${mb(serveSources.peak)}`,
    `   idle ${ratio(serveSources.idle, bare.idle)}   (ready in ${(serveSources.readyMs / 1000).toFixed(1)} s)`,
  );
} finally {
  await tmp.dispose();
}
