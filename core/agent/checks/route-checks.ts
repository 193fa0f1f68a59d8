// Route checks of a working tree, before it becomes a branch: the engine builds the server the
// branch would run (the same analysis and bundle as the build), keeps it running in the sandbox
// with no network, and proves its routes from the outside (route-prover.ts). What the build
// would refuse (a function that cannot be a route, a clash of routes) is reported here too, so
// the agent hears of it while it can still fix it.
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { analyzeFolder, bundleServer, formatDiagnostic, linkStack } from '../../build/index.ts';
import { describeError } from '../../errors/index.ts';
import type { Sandbox } from '../../sandbox/index.ts';
import type { RouteReport } from './route-prover.ts';
import { proveRoutes } from './route-prover.ts';

export type { RouteFailure, RouteReport } from './route-prover.ts';
export { describeRouteChecks } from './route-prover.ts';

export interface RouteChecksOptions {
  sandbox: Sandbox;
  /** The tree's files on disk (a materialized working copy); the stack is linked in. */
  dir: string;
  files: string[];
  /** How long the server may take to listen. */
  startTimeoutMs?: number;
  runs?: number;
  /** The tree passed its type-check already (the sandboxed checks): only discover its routes. */
  typeChecked?: boolean;
}

const DATABASE_CLIENT = /\bfrom\s+['"](pg|drizzle-orm\/node-postgres)['"]/;

async function databaseClientFile(dir: string, files: string[]): Promise<string | null> {
  for (const file of files) {
    if (!file.startsWith('src/') || !file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    if (DATABASE_CLIENT.test(await readFile(path.join(dir, file), 'utf8'))) return file;
  }
  return null;
}

export async function runRouteChecks(
  options: RouteChecksOptions,
): Promise<RouteReport & { isolation: 'container' | 'none' }> {
  const started = performance.now();
  const isolation = options.sandbox.isolation;
  const failed = (path: string, reason: string): RouteReport & { isolation: typeof isolation } => ({
    passed: false,
    routes: 0,
    calls: 0,
    failures: [{ method: '', path, kind: 'missing', input: null, status: null, body: '', reason }],
    durationMs: performance.now() - started,
    isolation,
  });
  await linkStack(options.dir);
  const analysis = analyzeFolder(options.dir, options.files, { typecheck: !options.typeChecked });
  if (!analysis.ok) {
    const lines = [
      ...analysis.diagnostics.map(formatDiagnostic),
      ...analysis.problems.map((p) => `${p.file}:${p.line} ${p.function}: ${p.message}`),
    ];
    return failed('(build)', `the branch would not build:\n${lines.slice(0, 30).join('\n')}`);
  }
  if (analysis.functions.length === 0)
    return { passed: true, routes: 0, calls: 0, failures: [], durationMs: performance.now() - started, isolation };
  // The sandbox has no database to give a branch yet (a throw-away copy is the next step): a
  // branch whose code connects to one is not judged by calls that could only fail for that.
  const client = await databaseClientFile(options.dir, options.files);
  if (client)
    return {
      passed: true,
      skipped: `${client} connects to the database, and route checks do not run against a copy of it yet`,
      routes: analysis.functions.length,
      calls: 0,
      failures: [],
      durationMs: performance.now() - started,
      isolation,
    };
  const out = await mkdtemp(path.join(os.tmpdir(), 'branchyard-route-checks-'));
  try {
    // Read by the sandbox's unprivileged user; it holds only the bundle, no secret.
    await chmod(out, 0o755);
    await bundleServer({
      checkoutDir: options.dir,
      functions: analysis.functions,
      outDir: out,
      title: 'route checks',
      version: '0.0.0',
      description: 'The server of a working tree, for its route checks.',
    });
    let server;
    try {
      server = await options.sandbox.serve({
        dir: out,
        entry: 'server.mjs',
        startTimeoutMs: options.startTimeoutMs ?? 20_000,
        env: { BRANCHYARD_REQUEST_TIMEOUT_MS: '3000' },
      });
    } catch (error) {
      return failed('(start)', describeError(error));
    }
    try {
      const report = await proveRoutes({
        socket: server.socket,
        expected: analysis.functions.map((f) => ({ method: f.method, path: f.path })),
        runs: options.runs,
      });
      if (!server.alive()) {
        report.passed = false;
        report.failures.push({
          method: '',
          path: '(process)',
          kind: 'valid',
          input: null,
          status: null,
          body: server.output().slice(-1000),
          reason: 'the server stopped while its routes were called',
        });
      }
      return { ...report, durationMs: performance.now() - started, isolation };
    } finally {
      await server.dispose();
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
