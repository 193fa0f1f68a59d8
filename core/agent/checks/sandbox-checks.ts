// The checks of a working tree, as they run inside the sandbox (bundled with the compiler into
// one script by run-checks.ts). This script is the supervisor: in a container it runs as root
// with only the capabilities to switch users and end processes, and no code of the branch runs
// as it. It type-checks first (the compiler runs no branch code), then runs the branch's own
// tests (`*.test.ts`, with node:test, transpiled) as the untrusted user, one file at a time
// (sandbox-tests.ts). Its stdout carries one line, `BRANCHYARD-CHECKS <nonce> <json>`: in a
// container no test can reach that stdout; in the process sandbox, where tests run as the same
// user, the nonce (read from stdin before any test starts) is what a forged line lacks.
//   node checks.mjs <work> <engine node_modules> <test timeout ms> <heap MB per test process> [--untrusted=<uid>:<gid>] [--nonce-on-stdin]
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
// The build's face for the sandbox, not build/index.ts: this script is bundled alone, and the
// index would bring the bundler and git along.
import { formatDiagnostic, linkStack, STACK_PACKAGES, TYPE_PACKAGES, typecheck } from '../../build/sandbox.ts';
import type { ChecksReport } from './report.ts';
import { CHECKS_MARKER } from './report.ts';
import { runTestFiles } from './sandbox-tests.ts';

const [work = '.', engineModules = '/engine/node_modules', testTimeout = '20000', heapMb = '256', ...flags] =
  process.argv.slice(2);
const untrustedFlag = /^--untrusted=(\d+):(\d+)$/.exec(flags.find((f) => f.startsWith('--untrusted=')) ?? '');
const untrusted = untrustedFlag ? { uid: Number(untrustedFlag[1]), gid: Number(untrustedFlag[2]) } : null;

async function sourceFiles(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.posix.join(prefix, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.'))
      found.push(...(await sourceFiles(dir, relative)));
    else if (entry.isFile() && relative.endsWith('.ts') && !relative.endsWith('.d.ts')) found.push(relative);
  }
  return found;
}

/** Each file transpiled alone (types are the type-check's business), `./x.ts` imports rewritten to `./x.js`. */
async function transpile(files: string[]): Promise<string> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'branchyard-tests-'));
  // The supervisor enters it (as the runners' working directory) before it becomes the untrusted user.
  await chmod(out, 0o755);
  for (const file of files) {
    const source = await readFile(path.join(work, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        rewriteRelativeImportExtensions: true,
        verbatimModuleSyntax: false,
        sourceMap: false,
      },
    });
    const target = path.join(out, file.replace(/\.ts$/, '.js'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(path.join(out, 'package.json'), '{ "type": "module" }\n');
  await symlink(path.join(work, 'node_modules'), path.join(out, 'node_modules'), 'dir').catch(() => undefined);
  return out;
}

/** Stdin to its end (a socket from the process sandbox, which /dev/stdin cannot open). */
async function stdinText(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

/** Files the supervisor writes belong to the untrusted user (the engine must be able to remove the copy); nothing it trusts is read back. */
async function asUntrusted<T>(work: () => Promise<T>): Promise<T> {
  // Only the container passes --untrusted, and it runs on Linux, where these exist.
  if (!untrusted || !process.seteuid || !process.setegid) return work();
  process.setegid(untrusted.gid);
  process.seteuid(untrusted.uid);
  try {
    return await work();
  } finally {
    process.seteuid(0);
    process.setegid(0);
  }
}

// Read before any code of the branch runs, and never passed on.
const nonce = flags.includes('--nonce-on-stdin') ? (await stdinText()).trim() : '-';
const { checked, sources, out } = await asUntrusted(async () => {
  const files = await sourceFiles(work);
  // The stack, as the build gives it to a branch, from the engine's copies mounted in the sandbox.
  await linkStack(
    work,
    new Map([...STACK_PACKAGES, ...TYPE_PACKAGES].map((name) => [name, path.join(engineModules, name)])),
  );
  const sources = files.filter((f) => f.startsWith('src/'));
  const checked = typecheck(work, files);
  return { checked, sources, out: sources.some((f) => f.endsWith('.test.ts')) ? await transpile(sources) : null };
});
const tests = sources.filter((f) => f.endsWith('.test.ts')).map((t) => t.replace(/\.ts$/, '.js'));
const report: ChecksReport = {
  typecheck: {
    passed: checked.diagnostics.length === 0,
    diagnostics: checked.diagnostics.slice(0, 50),
    count: checked.diagnostics.length,
    text: checked.diagnostics.slice(0, 50).map(formatDiagnostic).join('\n'),
  },
  tests: out
    ? await runTestFiles({
        dir: out,
        files: tests,
        untrusted,
        testTimeoutMs: Number(testTimeout),
        heapMb: Number(heapMb),
      })
    : { passed: true, total: 0, failed: 0, files: [], results: [], output: '' },
};
if (out) {
  report.tests.output = report.tests.output.replaceAll(`${out}/`, '');
  // In a container /tmp goes with it; the process sandbox shares the host's.
  await rm(out, { recursive: true, force: true }).catch(() => undefined);
}
process.stdout.write(`\n${CHECKS_MARKER} ${nonce} ${JSON.stringify(report)}\n`);
