// The branch's test files, as the supervisor in the sandbox runs them: one file at a time, each
// by its own Node test runner, as the untrusted user. A file's verdict is its runner's exit as
// the supervisor sees it; the TAP it prints is the branch's to forge, so it only gives counts.
// Between files every process the last one left is ended, so no file outlives its turn to tamper
// with the next one's runner.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChecksReport, TestFileResult } from './report.ts';

/**
 * Loaded first into every test process. Raises its OOM score so the kernel ends a test before the
 * supervisor when the container runs out of memory. In a test file's process (not the runner's),
 * a test that ends its own process fails the file instead of passing it unfinished. This guard
 * lives in the process it guards: it keeps honest mistakes from passing, the uid boundary keeps
 * the verdict.
 */
const GUARD = `import { writeFileSync } from 'node:fs';
try { writeFileSync('/proc/self/oom_score_adj', '1000'); } catch {}
if (!process.execArgv.includes('--test')) {
  const exit = process.exit;
  process.exit = function (code) {
    process.stderr.write('a test file ended its own process (process.exit(' + (code ?? '') + ')): its tests did not finish\\n');
    return exit.call(process, code === undefined || Number(code) === 0 ? 1 : code);
  };
  const reallyExit = process.reallyExit;
  process.reallyExit = function (code) { return reallyExit.call(process, Number(code) === 0 ? 1 : code); };
}
`;

const MAX_FILE_OUTPUT = 24 * 1024;
// The report is one line the engine reads whole: the files' output past this is cut.
const MAX_OUTPUT = 256 * 1024;

export interface TestRun {
  /** Where the transpiled files are (the runners' working directory). */
  dir: string;
  /** Test files, relative to dir, as `.js`. */
  files: string[];
  untrusted: { uid: number; gid: number } | null;
  testTimeoutMs: number;
  heapMb: number;
}

export async function runTestFiles(run: TestRun): Promise<ChecksReport['tests']> {
  // Written by the supervisor, so the tests can read the guard but not change it.
  const guardDir = await mkdtemp(path.join(os.tmpdir(), 'branchyard-guard-'));
  await chmod(guardDir, 0o755);
  const guard = path.join(guardDir, 'guard.mjs');
  await writeFile(guard, GUARD, { mode: 0o644 });
  const results: TestFileResult[] = [];
  const outputs: string[] = [];
  try {
    for (const file of run.files) {
      const { result, output } = await runFile(run, file, guard);
      results.push(result);
      outputs.push(output);
    }
  } finally {
    await rm(guardDir, { recursive: true, force: true }).catch(() => undefined);
  }
  return {
    passed: results.every((r) => r.passed),
    total: results.reduce((sum, r) => sum + r.total, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    files: results.map((r) => r.file),
    results,
    output: outputs.join('\n').slice(0, MAX_OUTPUT),
  };
}

async function runFile(run: TestRun, file: string, guard: string): Promise<{ result: TestFileResult; output: string }> {
  const contained = process.pid === 1;
  const oomBefore = await oomKills();
  const args = [
    `--max-old-space-size=${run.heapMb}`,
    '--import',
    guard,
    '--test',
    '--test-reporter=tap',
    `--test-timeout=${run.testTimeoutMs}`,
    file,
  ];
  const child = spawn(process.execPath, args, {
    cwd: run.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: !contained,
    ...(run.untrusted ?? {}),
  });
  let output = '';
  let dropped = 0;
  const keep = (chunk: Buffer) => {
    const room = MAX_FILE_OUTPUT - output.length;
    if (room > 0) output += chunk.toString('utf8').slice(0, room);
    dropped += Math.max(0, chunk.length - Math.max(room, 0));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let timedOut = false;
  // A test is bounded by --test-timeout; this catches a file that never ends outside its tests.
  const timer = setTimeout(
    () => {
      timedOut = true;
      endAll(contained, child.pid);
    },
    Math.max(3 * run.testTimeoutMs, 60_000),
  );
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('error', (error) => {
      output += `\n# ${file}: its test runner could not start: ${error.message}`;
      resolve([null, null]);
    });
    child.on('close', (c, s) => resolve([c, s]));
  }).finally(() => clearTimeout(timer));
  endAll(contained, child.pid);
  const passed = !timedOut && code === 0 && signal === null;
  const outOfMemory = !passed && ((await oomKills()) > oomBefore || /JavaScript heap out of memory/.test(output));
  const end = timedOut ? 'timed-out' : outOfMemory ? 'out-of-memory' : signal ? 'killed' : 'finished';
  // The runner's summary comes last; anything before it may be the tests' own printing.
  const count = (name: string) => Number([...output.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  const failed = passed ? count('fail') + count('cancelled') : Math.max(1, count('fail') + count('cancelled'));
  const notes = [
    timedOut
      ? `# ${file} did not finish within ${Math.round(Math.max(3 * run.testTimeoutMs, 60_000) / 1000)} s and was stopped`
      : '',
    outOfMemory ? `# ${file} ran out of memory` : '',
    !passed && end === 'finished' ? `# ${file}: its test runner exited with ${code}` : '',
    end === 'killed' ? `# ${file}: its test runner was killed (${signal})` : '',
    dropped > 0 ? `# … ${dropped} more bytes of output were cut` : '',
  ].filter(Boolean);
  return {
    result: { file, passed, end, total: Math.max(count('tests'), failed), failed },
    output: [output.trimEnd(), ...notes].join('\n'),
  };
}

/** Ends whatever the file left running: in the container, every process but the supervisor (PID 1). */
function endAll(contained: boolean, pid: number | undefined): void {
  try {
    if (contained) process.kill(-1, 'SIGKILL');
    else if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // Nothing was left.
  }
}

/** How many processes the kernel's OOM killer ended in this container so far (cgroup v2, or v1). */
async function oomKills(): Promise<number> {
  if (process.pid !== 1) return 0;
  const read = (file: string) => readFile(file, 'utf8').catch(() => '');
  const events =
    (await read('/sys/fs/cgroup/memory.events')) || (await read('/sys/fs/cgroup/memory/memory.oom_control'));
  return Number(/^oom_kill (\d+)$/m.exec(events)?.[1] ?? 0);
}
