// The checks of a working tree (type-check and the branch's tests), run in the sandbox over a
// copy of the tree. What `run_checks` answers the agent, and what the engine runs itself after
// the agent says it has finished.
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import type { Sandbox } from '../../sandbox/index.ts';
import type { ChecksReport } from './report.ts';
import { CHECKS_MARKER } from './report.ts';

export type { ChecksReport } from './report.ts';

const require = createRequire(import.meta.url);

const ENTRY = new URL('./sandbox-checks.ts', import.meta.url).pathname;
// Every file the script may bundle is in these folders: a change to any of them builds it again.
const SCRIPT_DIRS = ['./', '../../build/'].map((d) => new URL(d, import.meta.url).pathname);

export interface ChecksOutcome {
  passed: boolean;
  report: ChecksReport | null;
  /** Why the checks themselves could not finish (time, memory), when they could not. */
  failure: string | null;
  durationMs: number;
  isolation: 'container' | 'none';
}

/**
 * The checks run supervised (see sandbox-checks.ts): the report line comes from the supervisor,
 * which no test can write for. In a container that holds by users; in the process sandbox (one
 * user, no isolation) a nonce only the supervisor read tells its line from a forged one.
 */
export async function runChecks(options: {
  sandbox: Sandbox;
  dir: string;
  engineDir: string;
  timeoutMs: number;
}): Promise<ChecksOutcome> {
  const tools = await checksScript(options.engineDir);
  const nonce = options.sandbox.isolation === 'none' ? randomBytes(18).toString('base64url') : '-';
  // A third of the memory per test process: one test that allocates without end fails its own
  // file on Node's heap limit, long before the container's limit would end the whole run.
  const heapMb = Math.max(64, Math.floor(options.sandbox.limits.memoryMb / 3));
  const result = await options.sandbox.run({
    from: options.dir,
    tools,
    timeoutMs: options.timeoutMs,
    supervised: true,
    maxOutputBytes: 1024 * 1024,
    ...(nonce === '-' ? {} : { stdin: nonce }),
    command: (layout) => [
      layout.node,
      path.posix.join(layout.tools, 'checks.mjs'),
      layout.work,
      layout.engineModules,
      String(Math.min(20_000, options.timeoutMs)),
      String(heapMb),
      ...(layout.untrusted ? [`--untrusted=${layout.untrusted.uid}:${layout.untrusted.gid}`] : []),
      ...(nonce === '-' ? [] : ['--nonce-on-stdin']),
    ],
  });
  const base = { durationMs: result.durationMs, isolation: result.isolation };
  const prefix = `${CHECKS_MARKER} ${nonce} `;
  const line = result.stdout.split('\n').findLast((l) => l.startsWith(prefix));
  // A test that ran out of memory is in the report; without one, the supervisor itself did.
  if (line) {
    const report = JSON.parse(line.slice(prefix.length)) as ChecksReport;
    return { ...base, passed: report.typecheck.passed && report.tests.passed, report, failure: null };
  }
  if (result.timedOut)
    return {
      ...base,
      passed: false,
      report: null,
      failure: `the checks did not finish within ${Math.round(options.timeoutMs / 1000)} s (a test or a type that never ends?)`,
    };
  if (result.outOfMemory)
    return {
      ...base,
      passed: false,
      report: null,
      failure: 'the checks ran out of memory (a type too deep to check, or a test that allocates without end?)',
    };
  return {
    ...base,
    passed: false,
    report: null,
    failure: `the checks stopped before reporting (exit ${result.exitCode}): ${(result.stderr || result.stdout).slice(-2000)}`,
  };
}

/**
 * The build loads the compiler on first use with a require esbuild cannot follow; the script
 * carries it inside, since nothing beside the script in the process sandbox could resolve it.
 */
const compilerInside: Plugin = {
  name: 'compiler-inside',
  setup(build) {
    build.onLoad({ filter: /[\\/]build[\\/]typescript\.ts$/ }, () => ({
      contents: "import ts from 'typescript';\nexport function typescript() { return ts; }\n",
      loader: 'ts',
      resolveDir: path.dirname(ENTRY),
    }));
  },
};

/** The checks script with the compiler bundled in, built once per version of its sources. */
async function checksScript(engineDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of SCRIPT_DIRS) {
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.includes('.test.')).sort())
      hash.update(file).update(await readFile(path.join(dir, file)));
  }
  hash.update(process.version);
  const dir = path.join(engineDir, 'tools', `checks-${hash.digest('hex').slice(0, 16)}`);
  if (
    await stat(path.join(dir, 'checks.mjs')).then(
      () => true,
      () => false,
    )
  )
    return dir;
  const staging = `${dir}.${randomBytes(4).toString('hex')}`;
  await mkdir(staging, { recursive: true });
  try {
    await build({
      entryPoints: [ENTRY],
      outfile: path.join(staging, 'checks.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // The compiler is CommonJS and reads require and __filename.
      banner: {
        js: "import { createRequire as __branchyardRequire } from 'node:module'; import { fileURLToPath as __branchyardPath } from 'node:url'; const require = __branchyardRequire(import.meta.url); const __filename = __branchyardPath(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
      },
      logLevel: 'silent',
      plugins: [compilerInside],
    });
    // The bundled compiler looks for its standard library (lib.*.d.ts) beside itself.
    const libDir = path.dirname(require.resolve('typescript'));
    for (const file of await readdir(libDir))
      if (/^lib\..*\.d\.ts$/.test(file)) await copyFile(path.join(libDir, file), path.join(staging, file));
    await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another run built the same script first.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      await rm(staging, { recursive: true, force: true });
    });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/** The checks as the agent reads them: what failed, where, in few words. */
export function describeChecks(outcome: ChecksOutcome, maxChars = 8000): string {
  if (outcome.failure) return `Checks could not finish: ${outcome.failure}`;
  const report = outcome.report!;
  const parts: string[] = [];
  parts.push(
    report.typecheck.passed
      ? 'Type-check: passed.'
      : `Type-check: ${report.typecheck.count} error(s):\n${report.typecheck.text}`,
  );
  if (report.tests.total === 0 && report.tests.files.length === 0)
    parts.push('Tests: none found (write `*.test.ts` files with node:test beside the functions you add).');
  else if (report.tests.passed)
    parts.push(`Tests: ${report.tests.total} passed in ${report.tests.files.length} file(s).`);
  else {
    const ended = report.tests.results
      .filter((r) => r.end !== 'finished')
      .map((r) => `${r.file.replace(/\.js$/, '.ts')} ${END[r.end]}`);
    parts.push(
      `Tests: ${report.tests.failed} of ${report.tests.total} failed${ended.length > 0 ? ` (${ended.join('; ')})` : ''}:\n${failingPart(report.tests.output)}`,
    );
  }
  const text = parts.join('\n\n');
  return text.length > maxChars ? `${text.slice(0, maxChars)}\n… (cut)` : text;
}

const END = {
  finished: '',
  'out-of-memory': 'ran out of memory',
  'timed-out': 'did not finish in time',
  killed: 'was killed',
} as const;

/** The TAP blocks of failing tests (and what ran around them when there are none to find). */
function failingPart(tap: string): string {
  const lines = tap.split('\n');
  const kept: string[] = [];
  let inFailure = false;
  for (const line of lines) {
    if (/^\s*not ok /.test(line)) inFailure = true;
    else if (/^\s*ok /.test(line)) inFailure = false;
    if (inFailure) kept.push(line);
  }
  return (kept.length > 0 ? kept : lines.slice(-60)).join('\n');
}
