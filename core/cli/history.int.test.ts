// `codebase add`, `branch …` and `revision …` as a user runs them: the real binary, real
// repositories checked with the git CLI, exit codes, and the same commands through a running
// `branchyard serve` (which holds the embedded state, so only the serve path can work).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import { startServe } from '../serve/index.ts';
import { openCodebase } from '../git/index.ts';
import { addResponse, openRevision, setRevisionStatus } from '../revisions/index.ts';
import { listBranchRows } from '../store/index.ts';
import { workspacePaths } from '../workspace/index.ts';
import { expectOk, gitCli, runBranchyard, tempDir } from '../testing/index.ts';

const branchyard = (args: string[], cwd: string) => runBranchyard(args, { cwd, env: { BRANCHYARD_DATABASE_URL: '' } });
const git = (args: string[], cwd: string) => gitCli(args, { cwd });

describe('branchyard codebase / branch / revision', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  beforeAll(async () => {
    tmp = await tempDir();
    ws = path.join(tmp.path, 'ws');
    expectOk(await branchyard(['init', ws], tmp.path));
  });
  afterAll(() => tmp.dispose());

  it('adds a codebase and refuses a bad name with the rule', async () => {
    const added = await branchyard(['codebase', 'add', 'users', '--role', 'User accounts', '--json'], ws);
    expect(added.stderr).toBe('');
    expectOk(added);
    expect(JSON.parse(added.stdout)).toMatchObject({
      name: 'users',
      branch: 1,
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });

    const bad = await branchyard(['codebase', 'add', 'User_Accounts'], ws);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'branchyard: codebase name "User_Accounts" is not valid: use lowercase letters, digits and dashes',
    );

    const list = await branchyard(['codebase', 'list'], ws);
    expect(list.stdout).toMatch(/users\s+00001\s+00001\s+1/);
  });

  it('makes a branch by hand and reads it back: list, show, diff (against the parent and another), files, cat', async () => {
    const dir = path.join(tmp.path, 'change');
    await mkdir(path.join(dir, 'src', 'features', 'notes', 'controllers'), { recursive: true });
    await writeFile(
      path.join(dir, 'src', 'features', 'notes', 'controllers', 'count.ts'),
      'export function countNotes(): { count: number } {\n  return { count: 0 };\n}\n',
    );
    await writeFile(path.join(dir, '.branchyard-delete'), 'src/docs/.gitkeep\n');
    const made = await branchyard(
      ['branch', 'new', 'users', '--from', '1', '--dir', dir, '--message', 'Count notes'],
      ws,
    );
    expectOk(made);
    expect(made.stdout).toContain('Created branch 00002 from 00001');
    expect(made.stdout).toContain('added    src/features/notes/controllers/count.ts +3 -0');
    expect(made.stderr).toContain('[7/7] recorded in the workspace repository');

    const list = JSON.parse((await branchyard(['branch', 'list', 'users', '--json'], ws)).stdout) as {
      branches: Array<{ number: number; parent: number | null; gateways: string[] }>;
    };
    expect(list.branches.map((b) => [b.number, b.parent])).toEqual([
      [1, null],
      [2, 1],
    ]);

    const show = await branchyard(['branch', 'show', 'users', '00002'], ws);
    expect(show.stdout).toContain('Branch 00002  (parent 00001');
    expect(show.stdout).toContain(
      'Checks: build pending · typecheck pending · tests pending · routes pending · schema pending',
    );
    expect(show.stdout).toContain('# 00002: Count notes');

    const gitdir = path.join(ws, 'codebases', 'users', 'source.git');
    const diff = await branchyard(['branch', 'diff', 'users', '2'], ws);
    expect(diff.stdout).toBe(await git(['--git-dir', gitdir, 'diff', '--binary', '00001', '00002'], ws));
    const reverse = await branchyard(['branch', 'diff', 'users', '1', '--against', '2'], ws);
    expect(reverse.stdout).toBe(await git(['--git-dir', gitdir, 'diff', '--binary', '00002', '00001'], ws));

    const files = await branchyard(['branch', 'files', 'users', '2'], ws);
    expect(files.stdout.split('\n')).toContain('src/features/notes/controllers/count.ts');
    expect(files.stdout.split('\n')).not.toContain('src/docs/.gitkeep');
    const cat = await branchyard(['branch', 'cat', 'users', '2', 'src/features/notes/controllers/count.ts'], ws);
    expect(cat.stdout).toContain('export function countNotes()');
  });

  it('names what is wrong: unknown codebase, unknown branch, a bad number, a missing folder', async () => {
    const unknown = await branchyard(['branch', 'list', 'orders'], ws);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('codebase "orders" does not exist');
    const noBranch = await branchyard(['branch', 'show', 'users', '9', '--json'], ws);
    expect(noBranch.code).toBe(1);
    expect(JSON.parse(noBranch.stdout)).toEqual({
      error: {
        kind: 'NotFoundError',
        message: 'branch 00009 of codebase users does not exist (its branches run from 00001 to 00002)',
      },
    });
    const badNumber = await branchyard(['branch', 'diff', 'users', 'abc'], ws);
    expect(badNumber.stderr).toContain('branch: expected a branch number such as 7 or 00007');
    const noDir = await branchyard(['branch', 'new', 'users', '--dir', path.join(tmp.path, 'missing')], ws);
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toContain('no such folder');
    const usage = await branchyard(['branch', 'new', 'users'], ws);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option '--dir <path>'");
  });

  it('goes through the running serve, which holds the engine state', async () => {
    const events = createEventBus();
    const serve = await startServe({ workspaceRoot: ws, events, env: {}, port: 0, autostart: false });
    try {
      const dir = path.join(tmp.path, 'via-serve');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'README.md'), '# via serve\n');
      const made = await branchyard(['branch', 'new', 'users', '--dir', dir, '--json'], ws);
      expect(made.stderr).toBe('');
      expectOk(made);
      expect(JSON.parse(made.stdout)).toMatchObject({ info: { number: 3, parent: 2 } });
      const rows = await listBranchRows(serve.store.db, 'users');
      expect(rows.map((r) => r.number)).toEqual([3, 2, 1]);
      expect(JSON.parse((await branchyard(['revision', 'list', 'users', '--json'], ws)).stdout)).toEqual([]);

      // A revision as the agent will open it, then read back through the CLI.
      const codebase = await openCodebase(workspacePaths(ws), 'users');
      await openRevision({
        codebase,
        prompt: 'Add password reset',
        parentBranch: 3,
        state: serve.store.db,
        date: new Date('2026-11-21T09:00:00.000Z'),
      });
      await addResponse({
        codebase,
        number: 1,
        kind: 'questions',
        text: 'By email or by SMS?',
        state: serve.store.db,
        date: new Date('2026-11-21T09:00:03.000Z'),
      });
      await setRevisionStatus({ codebase, number: 1, status: 'needs-answer', state: serve.store.db });
      const list = await branchyard(['revision', 'list', 'users'], ws);
      expect(list.stdout).toMatch(/0001\s+needs-answer\s+-\s+0\s+\$0\.0000\s+Add password reset/);
      const show = await branchyard(['revision', 'show', 'users', '1'], ws);
      expect(show.stdout).toContain('Dev revision 0001: needs-answer, branch -, cost $0.0000');
      expect(show.stdout).toMatch(
        /you \(prompt, 2026-11-21T09:00:00.000Z\):\nAdd password reset\n\nagent \(questions, 2026-11-21T09:00:03.000Z\):\nBy email or by SMS\?/,
      );
      const missing = await branchyard(['revision', 'show', 'users', '7'], ws);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('dev revision 0007 of codebase users does not exist');
    } finally {
      await serve.dispose();
    }
  });
});
