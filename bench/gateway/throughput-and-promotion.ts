// Benchmark (issue 5), on real branch processes (PM2 in Docker): throughput and latency (p50,
// p99) of one branch reached directly over its socket, through a gateway over HTTPS and over
// plain HTTP, and through nginx (Debian's package) as a reverse proxy to the same socket, over
// HTTPS with the same certificate and over plain HTTP, all in one run with the ratios; then
// promotion under load: a load generator runs against the gateway while its route is switched
// 20 times between two branches.
// The load generator runs as a process of its own, so it never shares the gateway's event
// loop: wrk (C, Debian's package) where it is installed, since on two cores a load generator
// written on Node takes much of the CPU the proxies measured need; autocannon otherwise (and
// for the branch's own socket, which wrk cannot reach). `--generator` picks one. On two cores the figures of one run swing widely, so each target is
// measured in several rounds, interleaved (a slow moment of the machine hits every target in
// its round), and the median round is printed.
//   node --import tsx bench/gateway/throughput-and-promotion.ts [--generator wrk|autocannon] [--seconds 5] [--rounds 5] [--connections 32] [--switches 20] [--only gateway] [--log full|no-commits|off] [--profile gateway.cpuprofile]
// `--profile` writes a CPU profile of this process (the gateway's) over the measured rounds only.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { buildBranch } from '../../core/build/index.ts';
import { editGateway } from '../../core/gateway/fixtures/gateway-fixture.ts';
import { freePorts } from '../../core/testing/index.ts';
import { GatewayManager, LocalCa, promoteBranch } from '../../core/gateway/index.ts';
import { createBranch } from '../../core/git/index.ts';
import { testWorkspace, text } from '../../core/git/fixtures/test-workspace.ts';
import type { AccessLogSink } from '../../core/logs/index.ts';
import { LogService } from '../../core/logs/index.ts';
import { Pm2Runtime } from '../../core/runtime/index.ts';
import { openStore } from '../../core/store/index.ts';
import { loadWorkspace } from '../../core/workspace/index.ts';

const { values } = parseArgs({
  options: {
    log: { type: 'string', default: 'full' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    switches: { type: 'string', default: '20' },
    only: { type: 'string' },
    generator: { type: 'string' },
    profile: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const SWITCHES = Number(values.switches);
const ROUNDS = Number(values.rounds);
const AUTOCANNON = path.resolve('node_modules/autocannon/autocannon.js');
const HOST = 'users.development.ws.localhost';
const PATH = '/hello/get-hello';
const GENERATOR = values.generator ?? ((await hasWrk()) ? 'wrk' : 'autocannon');
if (GENERATOR !== 'wrk' && GENERATOR !== 'autocannon')
  throw new Error(`--generator ${GENERATOR}: expected wrk or autocannon`);

interface Load {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  failed: number;
}

function probe(kind: 'https' | 'http' | 'socket', target: string): Promise<{ p50: number; p99: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.resolve('bench/gateway/latency-probe.mjs'), kind, target, HOST, PATH, '2000'],
      (error, stdout, stderr) =>
        error
          ? reject(new Error(stderr || error.message))
          : resolve(JSON.parse(stdout) as { p50: number; p99: number }),
    );
  });
}

/** `expect`: the status that counts as an answer (the redirect listener answers 308). */
function autocannon(args: string[], seconds = SECONDS, expect = 200): Promise<Load> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [AUTOCANNON, '--json', '-c', String(CONNECTIONS), '-d', String(seconds), ...args],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`autocannon failed: ${stderr || error.message}`));
        const r = JSON.parse(stdout) as {
          requests: { average: number; total: number };
          latency: { p50: number; p99: number };
          errors: number;
          timeouts: number;
          statusCodeStats?: Record<string, { count: number }>;
        };
        const unexpected = Object.entries(r.statusCodeStats ?? {}).reduce(
          (sum, [code, stat]) => sum + (Number(code) === expect ? 0 : stat.count),
          0,
        );
        resolve({
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          requests: r.requests.total,
          failed: unexpected + r.errors + r.timeouts,
        });
      },
    );
  });
}

function hasWrk(): Promise<boolean> {
  return new Promise((resolve) =>
    execFile('wrk', ['--version'], (error, stdout) =>
      resolve(!error || stdout.startsWith('wrk') || (error as { code?: unknown }).code === 1),
    ),
  );
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000 } as const;

/** wrk against `url` with the Host header; 3xx counts as an answer, as it does in wrk. */
function wrk(url: string, seconds = SECONDS): Promise<Load> {
  return new Promise((resolve, reject) => {
    execFile(
      'wrk',
      ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-H', `Host: ${HOST}`, url],
      { timeout: (seconds + 30) * 1000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`wrk failed: ${stderr || error.message}`));
        const count = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? 0);
        const latency = (label: string) => {
          const match = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)\\b`).exec(stdout);
          if (!match) throw new Error(`wrk printed no ${label} latency:\n${stdout}`);
          return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
        };
        const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
        const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
        resolve({
          rps: count(/Requests\/sec:\s+([\d.]+)/),
          p50: latency('50%'),
          p99: latency('99%'),
          requests: count(/(\d+) requests in/),
          failed: count(/Non-2xx or 3xx responses: (\d+)/) + socketErrors,
        });
      },
    );
  });
}

/**
 * nginx with one worker (the gateway is one process too), plain HTTP on `port` and TLS on
 * `tlsPort` with the gateway's certificate, logging nothing; and TLS on `loggedPort` writing an
 * access log line per request as Debian's nginx.conf has it (`access_log` to a file, combined
 * format, unbuffered), since the gateway logs every request too.
 */
async function startNginx(
  socket: string,
  port: number,
  tlsPort: number,
  loggedPort: number,
  certificate: { cert: string; key: string },
): Promise<{ stop: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'branchyard-nginx-'));
  await writeFile(path.join(dir, 'cert.pem'), certificate.cert);
  await writeFile(path.join(dir, 'key.pem'), certificate.key, { mode: 0o600 });
  const conf = path.join(dir, 'nginx.conf');
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  await writeFile(
    conf,
    `${user}worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir};\n  proxy_temp_path ${dir};\n  fastcgi_temp_path ${dir};\n  uwsgi_temp_path ${dir};\n  scgi_temp_path ${dir};\n  upstream branch { server unix:${socket}; keepalive 64; }\n  server {\n    listen 127.0.0.1:${port};\n    listen 127.0.0.1:${tlsPort} ssl;\n    ssl_certificate ${dir}/cert.pem;\n    ssl_certificate_key ${dir}/key.pem;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    keepalive_requests 100000;\n    location / { proxy_pass http://branch; proxy_http_version 1.1; proxy_set_header Connection ""; }\n  }\n  server {\n    listen 127.0.0.1:${loggedPort} ssl;\n    access_log ${dir}/access.log;\n    ssl_certificate ${dir}/cert.pem;\n    ssl_certificate_key ${dir}/key.pem;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    keepalive_requests 100000;\n    location / { proxy_pass http://branch; proxy_http_version 1.1; proxy_set_header Connection ""; }\n  }\n}\n`,
  );
  const child = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'inherit' });
  child.on('error', (error) => console.error(`nginx could not start (apt-get install -y nginx): ${error.message}`));
  await sleep(500);
  return {
    stop: async () => {
      child.kill('SIGQUIT');
      await sleep(300);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What the gateway does with its access log, to measure what each part costs: `full` (the
 * product: token-sized files, committed in batches), `no-commits` (files, never committed), `off`.
 */
async function accessLog(mode: string | undefined, root: string): Promise<{ log?: AccessLogSink }> {
  if (mode === 'off') return { log: { write: () => undefined, close: async () => undefined } };
  if (mode === 'no-commits') {
    const logs = await LogService.open({ workspace: await loadWorkspace(root), commitIntervalMs: 0 });
    return { log: { write: logs.accessLog.write, close: () => logs.dispose() } };
  }
  if (mode !== 'full') throw new Error(`--log ${mode}: expected full, no-commits or off`);
  return {};
}

/** The bare Node proxy (bare-proxy.mjs) in a process of its own, with the same certificate. */
async function startBareProxy(
  socket: string,
  port: number,
  certificate: { cert: string; key: string },
): Promise<{ stop: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'branchyard-bare-'));
  await writeFile(path.join(dir, 'cert.pem'), certificate.cert);
  await writeFile(path.join(dir, 'key.pem'), certificate.key, { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      path.resolve('bench/gateway/bare-proxy.mjs'),
      socket,
      String(port),
      path.join(dir, 'cert.pem'),
      path.join(dir, 'key.pem'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the bare proxy exited (${code})`)));
  });
  return {
    stop: async () => {
      child.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A CPU profile of this process from now until stopped. */
async function startProfile(): Promise<{ stop: () => Promise<unknown> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      return profile;
    },
  };
}

/** The round with the median throughput (its latencies come with it). */
function median(loads: Load[]): Load {
  return [...loads].sort((a, b) => a.rps - b.rps)[Math.floor(loads.length / 2)]!;
}

const ratio = (a: number, b: number) => (b === 0 ? '—' : `${(a / b).toFixed(2)}×`);
const row = (name: string, load: Load, direct: Load, nginx: Load) =>
  `${name.padEnd(24)} ${load.rps.toFixed(0).padStart(8)} req/s  p50 ${load.p50.toFixed(2).padStart(6)} ms  p99 ${load.p99.toFixed(2).padStart(6)} ms  vs nginx ${ratio(load.rps, nginx.rps).padStart(6)}  added p50 vs direct ${(load.p50 - direct.p50).toFixed(2)} ms  failed ${load.failed}`;

const ws = await testWorkspace();
const runtime = await Pm2Runtime.open({
  workspace: ws.paths,
  limits: { memoryMb: 1024, cpus: 2, pids: 512 },
  backend: 'docker',
});
const manager: { current?: GatewayManager } = {};
const store = await openStore({ stateDir: ws.paths.stateDir });
let nginx: { stop: () => Promise<void> } | undefined;
let bare: { stop: () => Promise<void> } | undefined;
try {
  for (const branch of ['00002', '00003']) {
    await createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      changes: text({
        'src/features/hello/controllers/hello.ts': `export function getHello(): { hello: string } {\n  return { hello: 'from ${branch}' };\n}\n`,
      }),
      author: 'user',
      message: branch,
    });
  }
  for (const n of [2, 3]) await runtime.start('users', n, (await buildBranch(ws.codebase, n)).server!);
  const [port, httpPort, nginxPort, nginxTlsPort, nginxLoggedPort, barePort] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  await editGateway(ws.paths, 'development', (c) => Object.assign(c, { port, httpPort, routes: { users: '00002' } }));
  manager.current = await GatewayManager.start({
    paths: ws.paths,
    only: ['development'],
    strict: true,
    ...(await accessLog(values.log, ws.root)),
  });
  const socket = runtime.socketPath('users', 2);
  const certificate = await (await LocalCa.open(ws.paths, 'ws')).issue([HOST]);
  nginx = await startNginx(socket, nginxPort, nginxTlsPort, nginxLoggedPort, certificate);
  bare = await startBareProxy(socket, barePort, certificate);

  console.log(
    `Gateway throughput and latency: ${CONNECTIONS} connections, ${SECONDS} s per target, median of ${ROUNDS} interleaved rounds, load from ${GENERATOR} (direct: autocannon), GET ${PATH} of one branch (PM2 in Docker), ${os.cpus().length} cores`,
  );
  // Each target by URL; the branch's own socket only through autocannon.
  const over = (url: string, expect?: number) => ({
    run: (seconds?: number) =>
      GENERATOR === 'wrk'
        ? wrk(url, seconds)
        : autocannon(
            [...(url.startsWith('https:') ? ['--servername', HOST] : []), '-H', `host=${HOST}`, url],
            seconds,
            expect,
          ),
  });
  const targets: { name: string; run: (seconds?: number) => Promise<Load> }[] = [
    {
      name: 'direct (socket)',
      run: (seconds) => autocannon(['--socketPath', socket, `http://localhost${PATH}`], seconds),
    },
    { name: 'nginx (HTTP)', ...over(`http://127.0.0.1:${nginxPort}${PATH}`) },
    { name: 'nginx (HTTPS)', ...over(`https://127.0.0.1:${nginxTlsPort}${PATH}`) },
    { name: 'nginx (HTTPS, access log)', ...over(`https://127.0.0.1:${nginxLoggedPort}${PATH}`) },
    { name: 'gateway (HTTPS)', ...over(`https://127.0.0.1:${port}${PATH}`) },
    // The floor for any proxy on Node: nothing but TLS, HTTP and the pool.
    { name: 'bare Node proxy (HTTPS)', ...over(`https://127.0.0.1:${barePort}${PATH}`) },
    // Plain HTTP on a gateway answers with the redirect to HTTPS (nothing is proxied over it).
    { name: 'gateway HTTP redirect', ...over(`http://127.0.0.1:${httpPort}${PATH}`, 308) },
  ];
  // --only gateway: one kind of target (for profiling); the ratios need direct and nginx.
  if (values.only) targets.splice(0, targets.length, ...targets.filter((t) => t.name.startsWith(values.only!)));
  // Warm every path once (certificates, kept-alive connections, the branch's JIT).
  for (const target of targets) await target.run(1);
  const rounds = new Map<string, Load[]>(targets.map((t) => [t.name, []]));
  const profiler = values.profile ? await startProfile() : undefined;
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) rounds.get(target.name)!.push(await target.run());
    process.stderr.write(
      `  round ${round + 1}/${ROUNDS}: ${targets.map((t) => `${t.name} ${rounds.get(t.name)!.at(-1)!.rps.toFixed(0)}`).join(', ')}\n`,
    );
  }
  if (profiler) await writeFile(values.profile!, JSON.stringify(await profiler.stop()));
  const result = new Map([...rounds].map(([name, loads]) => [name, median(loads)]));
  const none: Load = { rps: 0, p50: 0, p99: 0, requests: 0, failed: 0 };
  const [direct, viaNginx, viaNginxTls, viaNginxLogged, https] = [
    'direct (socket)',
    'nginx (HTTP)',
    'nginx (HTTPS)',
    'nginx (HTTPS, access log)',
    'gateway (HTTPS)',
  ].map((name) => result.get(name) ?? none) as [Load, Load, Load, Load, Load];
  for (const target of targets)
    console.log(
      row(target.name, result.get(target.name)!, direct, target.name.includes('HTTPS') ? viaNginxTls : viaNginx),
    );
  console.log(
    "(each row's ratio is against nginx over the same protocol, logging nothing; the redirect row against nginx over HTTP)",
  );
  // The rounds ran side by side: their own ratios show how far one run's figure can move.
  const perRound = (of: string, against: string) =>
    rounds
      .get(of)
      ?.map((load, i) => (load.rps / (rounds.get(against)?.[i]?.rps ?? NaN)).toFixed(3))
      .join(' ') ?? '—';
  if (result.has('gateway (HTTPS)'))
    console.log(
      `gateway / nginx HTTPS, round by round: ${perRound('gateway (HTTPS)', 'nginx (HTTPS)')}; / nginx HTTPS with its access log: ${perRound('gateway (HTTPS)', 'nginx (HTTPS, access log)')}`,
    );
  // Under saturation p50 is mostly queueing; the added latency of the hop is measured unloaded.
  const [lDirect, lNginx, lHttps] = [
    await probe('socket', socket),
    await probe('http', String(nginxPort)),
    await probe('https', String(port)),
  ];
  console.log(`\nUnloaded latency, one kept-alive connection, 2000 sequential requests:`);
  console.log(
    `direct p50 ${lDirect.p50.toFixed(3)} ms p99 ${lDirect.p99.toFixed(3)} ms | nginx p50 ${lNginx.p50.toFixed(3)} ms (+${(lNginx.p50 - lDirect.p50).toFixed(3)}) | gateway HTTPS p50 ${lHttps.p50.toFixed(3)} ms (+${(lHttps.p50 - lDirect.p50).toFixed(3)}) p99 ${lHttps.p99.toFixed(3)} ms`,
  );
  const exact = (a: number, b: number) => (b === 0 ? '—' : `${(a / b).toFixed(3)}×`);
  console.log(
    `target: ≥ 0.70× nginx throughput (gateway HTTPS, which logs every request, against nginx HTTPS logging every request as Debian configures it: ${exact(https.rps, viaNginxLogged.rps)}; against nginx HTTPS logging nothing: ${exact(https.rps, viaNginxTls.rps)}; against nginx plain HTTP: ${exact(https.rps, viaNginx.rps)}) and < 1 ms added p50 over direct (HTTPS: +${(lHttps.p50 - lDirect.p50).toFixed(3)} ms)`,
  );

  console.log(
    `\nPromotion under load: ${SWITCHES} switches between 00002 and 00003 while ${CONNECTIONS} connections hammer the gateway over HTTPS`,
  );
  const underLoad = autocannon(
    ['--servername', HOST, '-H', `host=${HOST}`, `https://127.0.0.1:${port}${PATH}`],
    Math.max(10, SWITCHES * 0.5 + 4),
  );
  await sleep(1500);
  const durations: number[] = [];
  for (let i = 0; i < SWITCHES; i++) {
    const started = performance.now();
    await promoteBranch({
      workspace: await loadWorkspace(ws.root),
      db: store.db,
      gateway: 'development',
      codebase: 'users',
      branch: i % 2 === 0 ? 3 : 2,
      actor: 'user',
      by: 'bench',
      ensureRunning: async () => undefined,
      apply: () => manager.current!.reload(),
    });
    durations.push(performance.now() - started);
    await sleep(250);
  }
  const load = await underLoad;
  console.log(`requests sent ${load.requests}, failed ${load.failed} (target 0)`);
  console.log(`switch durations (ms, file + state + commit + swap): ${durations.map((d) => d.toFixed(0)).join(' ')}`);
} finally {
  await nginx?.stop();
  await bare?.stop();
  await manager.current?.dispose();
  await store.dispose();
  await runtime.remove('users');
  await ws.dispose();
}
