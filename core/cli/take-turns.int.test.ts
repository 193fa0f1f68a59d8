// Commands take turns without `serve`: the embedded engine state has one holder at a time, so a
// command started while another holds it waits for it (saying for whom), instead of failing.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, runBranchyard, tempDir } from '../testing/index.ts';
import { workspacePaths } from '../workspace/index.ts';

const HOLDER = new URL('../store/fixtures/hold-store.ts', import.meta.url).pathname;

/** Another process holding the workspace's engine state until it is killed. */
async function startHolder(stateDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, 'hold', stateDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()).includes('READY') && resolve());
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`the holder exited (${code}) before it was ready: ${output}`)));
  });
  return child;
}

const branchyard = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  runBranchyard(args, { cwd, env: { BRANCHYARD_DATABASE_URL: '', ...env }, timeoutMs: 240_000 });

describe('commands without serve', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  beforeAll(async () => {
    tmp = await tempDir();
    ws = path.join(tmp.path, 'ws');
    expectOk(await branchyard(['init', ws], tmp.path));
    expectOk(await branchyard(['codebase', 'add', 'users'], ws));
  });
  afterAll(() => tmp.dispose());

  it(
    'three `branch new` started while another process holds the state all wait for it, saying for whom, then take turns: all succeed with distinct numbers',
    { timeout: 300_000 },
    async () => {
      const dirs = await Promise.all(
        ['one', 'two', 'three'].map(async (name) => {
          const dir = path.join(tmp.path, name);
          await mkdir(path.join(dir, 'src', 'features', name, 'controllers'), { recursive: true });
          await writeFile(
            path.join(dir, 'src', 'features', name, 'controllers', `${name}.ts`),
            `export function get${name}(): { name: string } {\n  return { name: '${name}' };\n}\n`,
          );
          return dir;
        }),
      );
      // Another process holds the state while they start, so each has to wait; then they take turns.
      const holder = await startHolder(workspacePaths(ws).stateDir);
      const released = new Promise((resolve) => setTimeout(resolve, 30_000)).then(() => holder.kill('SIGTERM'));
      try {
        const runs = await Promise.all(
          dirs.map((dir) =>
            branchyard(
              ['branch', 'new', 'users', '--from', '1', '--dir', dir, '--message', path.basename(dir), '--json'],
              ws,
            ),
          ),
        );
        await released;
        for (const run of runs) expectOk(run);
        const numbers = runs.map((run) => (JSON.parse(run.stdout) as { info: { number: number } }).info.number).sort();
        expect(numbers).toEqual([2, 3, 4]);
        // --json keeps stdout to the document; the wait is said on stderr.
        for (const run of runs)
          expect(run.stderr).toContain(`waiting for the engine state, held by process ${holder.pid} since `);
      } finally {
        holder.kill('SIGKILL');
      }
    },
  );

  it(
    'gives up after the wait it is allowed (BRANCHYARD_STATE_WAIT_MS), naming the holder',
    { timeout: 120_000 },
    async () => {
      const holder = await startHolder(workspacePaths(ws).stateDir);
      try {
        // `revision list` reads the engine state (`branch list` reads only files).
        const refused = await branchyard(['revision', 'list', 'users'], ws, { BRANCHYARD_STATE_WAIT_MS: '1500' });
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`waiting for the engine state, held by process ${holder.pid} since `);
        expect(refused.stderr).toMatch(new RegExp(`engine state .* is in use by process ${holder.pid} since `));
      } finally {
        holder.kill('SIGKILL');
      }
    },
  );
});
