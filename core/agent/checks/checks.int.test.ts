// The checks on a real Docker sandbox, against branches whose tests try to pass without passing:
// printing the report line the engine reads (to their stdout, to PID 1's, to the supervisor's),
// ending their runner early or killing it. And one test that runs out of memory costs only its
// own file: the others are still reported.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/index.ts';
import { openSandbox } from '../../sandbox/index.ts';
import { tempDir } from '../../testing/index.ts';
import { forger } from '../fixtures/forging-test.ts';
import { describeChecks, runChecks } from './run-checks.ts';

const LIMITS = { memoryMb: 768, cpus: 1, pids: 256 };

const PASSING = `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n\ntest('adds', () => {\n  assert.equal(1 + 1, 2);\n});\n`;
const FAILING = `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n\ntest('is wrong', () => {\n  assert.equal(1 + 1, 3);\n});\n`;

describe('the checks keep their verdict out of reach of the branch', () => {
  let docker: Sandbox;
  let engine: { path: string; dispose: () => Promise<void> };
  const trees: { path: string; dispose: () => Promise<void> }[] = [];

  async function branch(files: Record<string, string>): Promise<string> {
    const tree = await tempDir();
    trees.push(tree);
    await mkdir(path.join(tree.path, 'src'), { recursive: true });
    await writeFile(path.join(tree.path, 'package.json'), '{ "type": "module" }\n');
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(tree.path, 'src', file), text);
    return tree.path;
  }
  const check = async (sandbox: Sandbox, files: Record<string, string>) =>
    runChecks({ sandbox, dir: await branch(files), engineDir: engine.path, timeoutMs: 120_000 });

  beforeAll(async () => {
    engine = await tempDir();
    docker = await openSandbox({ limits: LIMITS, backend: 'docker' }).catch((error: Error) => {
      throw new Error(
        `these tests need a running Docker engine (./scripts/test.sh starts one as root): ${error.message}`,
      );
    });
  });
  afterEach(async () => {
    await Promise.all(trees.splice(0).map((t) => t.dispose()));
  });
  afterAll(() => engine?.dispose());

  it(
    'a failing test that writes a passing report to every stdout it can reach, and over the engine files, is recorded failed, exactly like the same test without the forgery',
    { timeout: 300_000 },
    async () => {
      const forging = await check(docker, { 'forged.test.ts': forger('container'), 'zz-later.test.ts': PASSING });
      const honest = await check(docker, { 'forged.test.ts': FAILING, 'zz-later.test.ts': PASSING });
      expect(forging.failure).toBeNull();
      expect(forging.isolation).toBe('container');
      expect(forging.passed).toBe(false);
      expect(forging.report!.typecheck.passed).toBe(true);
      expect(forging.report!.tests.passed).toBe(false);
      expect(forging.report!.tests.results.map((r) => [r.file, r.passed])).toEqual([
        ['src/forged.test.js', false],
        ['src/zz-later.test.js', true],
      ]);
      expect({ passed: forging.passed, tests: forging.report!.tests.results }).toEqual({
        passed: honest.passed,
        tests: honest.report!.tests.results,
      });
      // The test ran, and what it could reach was only its own pipes: the supervisor's stdout (PID 1) and the engine's files were not.
      const tried = JSON.parse(/FORGER-TRIED (\{.*\})/.exec(forging.report!.tests.output)![1]!) as Record<
        string,
        string
      >;
      expect(tried['/proc/1/fd/1']).toBe('EACCES');
      expect(tried['/engine/tools/checks.mjs']).toBe('EROFS');
      expect(
        Object.entries(tried)
          .filter(([file]) => file.includes('branchyard-guard-'))
          .map(([, outcome]) => outcome),
      ).toEqual(['EACCES']);
      expect(describeChecks(forging)).toMatch(/Tests: 1 of 2 failed:[\s\S]*this branch does not work/);
    },
  );

  it(
    'a test that ends its own process, or kills its runner, fails its file; the supervisor still reports every file',
    { timeout: 300_000 },
    async () => {
      const outcome = await check(docker, {
        'exits.test.ts': `import { test } from 'node:test';\n\ntest('leaves early', () => {\n  process.exit(0);\n});\n`,
        'kills.test.ts': `import { test } from 'node:test';\n\ntest('kills its runner', () => {\n  process.kill(process.ppid, 'SIGKILL');\n});\n`,
        'signals.test.ts': `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n\ntest('cannot signal the supervisor', () => {\n  assert.throws(() => process.kill(1, 'SIGKILL'), { code: 'EPERM' });\n});\n`,
        'zz-ok.test.ts': PASSING,
      });
      expect(outcome.failure).toBeNull();
      expect(outcome.passed).toBe(false);
      expect(outcome.report!.tests.results.map((r) => [r.file, r.passed, r.end])).toEqual([
        ['src/exits.test.js', false, 'finished'],
        ['src/kills.test.js', false, 'killed'],
        ['src/signals.test.js', true, 'finished'],
        ['src/zz-ok.test.js', true, 'finished'],
      ]);
      expect(outcome.report!.tests.output).toContain('a test file ended its own process (process.exit(0))');
    },
  );

  it(
    'a test that allocates without end fails its own file, named as out of memory; the other files are reported',
    { timeout: 300_000 },
    async () => {
      const outcome = await check(docker, {
        // Outside the heap, so past Node's limit: the kernel ends it when the container is full.
        'buffers.test.ts': `import { test } from 'node:test';\n\ntest('keeps buffers', () => {\n  const kept: Buffer[] = [];\n  for (;;) kept.push(Buffer.alloc(16 * 1024 * 1024, 1));\n});\n`,
        'fails.test.ts': FAILING,
        'hungry.test.ts': `import { test } from 'node:test';\n\ntest('keeps everything', () => {\n  const kept: number[][] = [];\n  for (;;) kept.push(new Array(1e6).fill(Math.random()));\n});\n`,
        'ok.test.ts': PASSING,
      });
      expect(outcome.failure).toBeNull();
      expect(outcome.passed).toBe(false);
      expect(outcome.report!.tests.results.map((r) => [r.file, r.passed, r.end])).toEqual([
        ['src/buffers.test.js', false, 'out-of-memory'],
        ['src/fails.test.js', false, 'finished'],
        ['src/hungry.test.js', false, 'out-of-memory'],
        ['src/ok.test.js', true, 'finished'],
      ]);
      expect(describeChecks(outcome)).toContain(
        'src/buffers.test.ts ran out of memory; src/hungry.test.ts ran out of memory',
      );
    },
  );

  it(
    'without Docker (no isolation), a line printed by a test still cannot pass for the report: it lacks the nonce only the supervisor read',
    { timeout: 300_000 },
    async () => {
      const local = await openSandbox({ limits: LIMITS, backend: 'process' });
      const outcome = await check(local, { 'forged.test.ts': forger('host') });
      expect(outcome.isolation).toBe('none');
      expect(outcome.failure).toBeNull();
      expect(outcome.passed).toBe(false);
      expect(outcome.report!.tests.results.map((r) => [r.file, r.passed])).toEqual([['src/forged.test.js', false]]);
      const passing = await check(local, { 'ok.test.ts': PASSING });
      expect(passing.passed).toBe(true);
    },
  );
});
