// The checks of a working tree, as they run inside the sandbox (bundled with the compiler into
// one script by checks-script.ts): the type-check the build runs, then the branch's own tests
// (`*.test.ts`, with node:test) transpiled and run by Node's test runner. Prints one line,
// `BRANCHYARD-CHECKS <json>`, last. Nothing here trusts the branch's code: it only runs it,
// inside the sandbox.
//   node checks.mjs <work> <engine node_modules> <test timeout ms>
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
// Straight from the files, not build/index.ts: this script is bundled alone for the sandbox,
// and the index would bring the bundler and git along.
import { linkStack, STACK_PACKAGES, TYPE_PACKAGES } from '../../build/stack.ts';
import { formatDiagnostic, typecheck } from '../../build/typecheck.ts';
import type { ChecksReport } from './report.ts';
import { CHECKS_MARKER } from './report.ts';

const [work = '.', engineModules = '/engine/node_modules', testTimeout = '20000'] = process.argv.slice(2);

async function sourceFiles(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.posix.join(prefix, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) found.push(...(await sourceFiles(dir, relative)));
    else if (entry.isFile() && relative.endsWith('.ts') && !relative.endsWith('.d.ts')) found.push(relative);
  }
  return found;
}

async function runTests(files: string[]): Promise<ChecksReport['tests']> {
  const tests = files.filter((f) => f.endsWith('.test.ts'));
  if (tests.length === 0) return { passed: true, total: 0, failed: 0, files: [], output: '' };
  // Each file transpiled alone (types are the type-check's business), `./x.ts` imports rewritten to `./x.js`.
  const out = path.join(os.tmpdir(), 'branchyard-tests');
  for (const file of files) {
    const source = await readFile(path.join(work, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, rewriteRelativeImportExtensions: true, verbatimModuleSyntax: false, sourceMap: false },
    });
    const target = path.join(out, file.replace(/\.ts$/, '.js'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(path.join(out, 'package.json'), '{ "type": "module" }\n');
  await symlink(path.join(work, 'node_modules'), path.join(out, 'node_modules'), 'dir').catch(() => undefined);
  const child = spawn(process.execPath, ['--test', '--test-reporter=tap', `--test-timeout=${testTimeout}`, ...tests.map((t) => t.replace(/\.ts$/, '.js'))], { cwd: out, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
  const total = count('tests');
  const failed = count('fail') + count('cancelled');
  return { passed: code === 0 && failed === 0, total, failed, files: tests, output: output.replaceAll(out + '/', '') };
}

const files = await sourceFiles(work);
// The stack, as the build gives it to a branch, from the engine's copies mounted in the sandbox.
await linkStack(work, new Map([...STACK_PACKAGES, ...TYPE_PACKAGES].map((name) => [name, path.join(engineModules, name)])));
const checked = typecheck(work, files);
const report: ChecksReport = {
  typecheck: { passed: checked.diagnostics.length === 0, diagnostics: checked.diagnostics.slice(0, 50), count: checked.diagnostics.length, text: checked.diagnostics.slice(0, 50).map(formatDiagnostic).join('\n') },
  tests: await runTests(files.filter((f) => f.startsWith('src/'))),
};
process.stdout.write(`\n${CHECKS_MARKER} ${JSON.stringify(report)}\n`);
