// Branches on real repositories, checked with the git CLI: numbering, records, diffs that git
// agrees with, concurrency, and every bad input the issue lists.
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import type { ProgressEvent } from '../events/index.ts';
import { tempDir } from '../testing/index.ts';
import {
  addCodebase,
  BRANCH_STEPS,
  commitTree,
  createBranch,
  diffBetween,
  listBranchRecords,
  listTree,
  openCodebase,
  readBranchInfo,
  readFileAt,
  readOverlayDir,
  recoverCodebase,
} from './index.ts';
import type { TestWorkspace } from './fixtures/test-workspace.ts';
import { gitCli, testWorkspace, text, writeTree } from './fixtures/test-workspace.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('codebase add', () => {
  let ws: TestWorkspace;
  beforeEach(async () => void (ws = await testWorkspace()));
  afterEach(() => ws.dispose());

  it('lays out the codebase folder and a first branch 00001 holding the boilerplate', async () => {
    const dir = ws.codebase.paths.dir;
    expect((await readFile(path.join(dir, 'active-branch'), 'utf8')).trim()).toBe('00001');
    expect((await readdir(path.join(dir, 'context', 'helpers'))).sort()).toEqual(['links', 'screenshots', 'snippets']);
    expect(await readdir(path.join(dir, 'metadata'))).toEqual(expect.arrayContaining(['branches', 'dev-revisions']));

    const gitdir = ws.codebase.paths.gitdir;
    expect((await gitCli(['--git-dir', gitdir, 'branch', '--list'])).trim()).toBe('* 00001');
    const files = (await gitCli(['--git-dir', gitdir, 'ls-tree', '-r', '--name-only', '00001'])).trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'src/app.ts',
        'src/features/notes/controllers/notes.ts',
        'src/features/notes/validators/notes.ts',
        'src/shared/errors/index.ts',
        'tsconfig.json',
      ]),
    );
    await gitCli(['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling']);

    const info = await readBranchInfo(ws.codebase, 1);
    expect(info).toMatchObject({ number: 1, parent: null, author: 'user', status: 'created', devRevision: null });
    expect(info.commit).toBe((await gitCli(['--git-dir', gitdir, 'rev-parse', '00001'])).trim());
    const readme = await readFile(path.join(ws.codebase.paths.branch('00001'), 'readme.md'), 'utf8');
    expect(readme).toContain('# users');
    expect(readme).toContain('Keeps user accounts.');

    // The workspace repository recorded the codebase, and ignores its code history.
    expect(await gitCli(['status', '--porcelain'], { cwd: ws.root })).toBe('');
    expect(await gitCli(['log', '-1', '--format=%s'], { cwd: ws.root })).toBe('Add codebase users\n');
    expect(await gitCli(['ls-files', 'codebases/users'], { cwd: ws.root })).not.toContain('source.git');
  });

  it('refuses names outside the rule, stating it, and an existing codebase', async () => {
    for (const name of ['Users', 'user_accounts', '../evil', '9lives', '']) {
      await expect(addCodebase({ workspace: ws.paths, logsRepository: '../logs', name })).rejects.toMatchObject({
        kind: 'InvalidInputError',
        message: expect.stringContaining('lowercase letters, digits and dashes'),
      });
    }
    await expect(addCodebase({ workspace: ws.paths, logsRepository: '../logs', name: 'users' })).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: expect.stringContaining('already exists'),
    });
    expect((await readdir(ws.paths.codebasesDir)).filter((n) => n !== '.gitkeep')).toEqual(['users']);
  });
});

describe('new branches', () => {
  let ws: TestWorkspace;
  beforeEach(async () => void (ws = await testWorkspace()));
  afterEach(() => ws.dispose());

  const make = (
    files: Record<string, string>,
    options: { parent?: number; deletes?: string[]; summary?: string } = {},
  ) =>
    createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      parent: options.parent,
      changes: text(files, options.deletes),
      author: 'agent',
      message: 'Change',
      summary: options.summary,
    });

  it('takes the next number, is based on the newest branch, and writes its whole record', async () => {
    const events = createEventBus();
    const steps: ProgressEvent[] = [];
    events.on('progress', (p) => steps.push(p));
    const created = await createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      changes: text(
        { 'src/features/notes/controllers/count.ts': 'export function countNotes() {\n  return { count: 0 };\n}\n' },
        ['src/docs/.gitkeep'],
      ),
      author: 'agent',
      devRevision: 3,
      message: 'Count notes',
      events,
    });
    expect(steps.map((s) => s.step)).toEqual([...BRANCH_STEPS]);
    expect(created.info).toMatchObject({
      number: 2,
      parent: 1,
      author: 'agent',
      devRevision: 3,
      message: 'Count notes',
      status: 'created',
    });
    expect(created.info.checks).toEqual({
      build: { status: 'pending' },
      typecheck: { status: 'pending' },
      tests: { status: 'pending' },
      routes: { status: 'pending' },
      schema: { status: 'pending' },
    });

    const folder = ws.codebase.paths.branch('00002');
    expect((await readdir(folder)).sort()).toEqual([
      'branch.info.json',
      'changes.json',
      'context',
      'db-config.ts',
      'diff.patch',
      'logs',
      'readme.md',
      'schema',
      'summary.md',
    ]);
    expect(JSON.parse(await readFile(path.join(folder, 'changes.json'), 'utf8'))).toEqual([
      { path: 'src/docs/.gitkeep', kind: 'deleted', linesAdded: 0, linesRemoved: 0, binary: false },
      { path: 'src/features/notes/controllers/count.ts', kind: 'added', linesAdded: 3, linesRemoved: 0, binary: false },
    ]);
    const summary = await readFile(path.join(folder, 'summary.md'), 'utf8');
    expect(summary).toContain('# 00002: Count notes');
    expect(summary).toContain('Based on 00001. 2 files changed (1 added, 1 deleted; +3 −0 lines).');
    // Carried from the parent: the role, the database config and the branch context.
    expect(await readFile(path.join(folder, 'readme.md'), 'utf8')).toBe(
      await readFile(path.join(ws.codebase.paths.branch('00001'), 'readme.md'), 'utf8'),
    );
    expect((await readdir(path.join(folder, 'context'))).sort()).toEqual(['env.json', 'flags.json', 'helpers']);
    expect(JSON.parse(await readFile(path.join(folder, 'logs', 'references.json'), 'utf8'))).toEqual({
      repository: '../ws-logs/codebases/users/branches/00002',
      types: ['pm2', 'ttyd', 'api-gateway'],
    });

    // The git CLI sees the same history and the same diff.
    const gitdir = ws.codebase.paths.gitdir;
    expect(
      (await gitCli(['--git-dir', gitdir, 'log', '--all', '--topo-order', '--format=%s'])).trim().split('\n'),
    ).toEqual(['00002: Count notes', '00001: Boilerplate with an example feature']);
    expect((await gitCli(['--git-dir', gitdir, 'rev-parse', '00002^'])).trim()).toBe(
      (await readBranchInfo(ws.codebase, 1)).commit,
    );
    expect(await gitCli(['--git-dir', gitdir, 'diff', '--binary', '00001', '00002'])).toBe(
      await readFile(path.join(folder, 'diff.patch'), 'utf8'),
    );
    await gitCli(['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling']);

    // The workspace repository committed the new metadata folder and nothing is left over.
    expect(await gitCli(['log', '-1', '--format=%s', '--name-only'], { cwd: ws.root })).toContain(
      'codebases/users/metadata/branches/00002/diff.patch',
    );
    expect(await gitCli(['status', '--porcelain'], { cwd: ws.root })).toBe('');
  });

  it('uses the agent summary when there is one, and a chosen parent', async () => {
    await make({ 'a.txt': 'a\n' });
    const third = await make({ 'b.txt': 'b\n' }, { parent: 1, summary: 'Adds b for the B team.' });
    expect(third.info).toMatchObject({ number: 3, parent: 1 });
    expect(await readFile(path.join(ws.codebase.paths.branch('00003'), 'summary.md'), 'utf8')).toBe(
      '# 00003: Change\n\nBased on 00001.\n\nAdds b for the B team.\n',
    );
    // 00003 is based on 00001, so it does not hold 00002's file.
    const tree = await commitTree(ws.codebase.repo, third.info.commit);
    expect(await readFileAt(ws.codebase.repo, tree, 'a.txt')).toBeUndefined();
    expect(Buffer.from((await readFileAt(ws.codebase.repo, tree, 'b.txt'))!.content).toString()).toBe('b\n');
  });

  it('writes diffs that git agrees with and git apply accepts: edits, modes, binary files, no newline at the end', async () => {
    const parentTree = await commitTree(ws.codebase.repo, (await readBranchInfo(ws.codebase, 1)).commit);
    const notes = Buffer.from(
      (await readFileAt(ws.codebase.repo, parentTree, 'src/features/notes/controllers/notes.ts'))!.content,
    ).toString();
    const edited =
      notes
        .replace('return notesNewestLast();', 'return notesNewestLast().slice();')
        .replace("input.body ?? ''", "input.body ?? '(empty)'") +
      '\nexport function ping(): string {\n  return "pong";\n}';
    const created = await createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      changes: {
        writes: [
          { path: 'src/features/notes/controllers/notes.ts', content: Buffer.from(edited) },
          { path: 'scripts/run.sh', content: Buffer.from('#!/bin/sh\necho hi\n'), executable: true },
          { path: 'assets/logo.bin', content: Buffer.from([0, 1, 2, 3, 255, 0, 7]) },
          { path: 'empty.txt', content: Buffer.alloc(0) },
        ],
        deletes: ['src/config/server.ts'],
      },
      author: 'user',
      message: 'Mixed change',
    });
    const gitdir = ws.codebase.paths.gitdir;
    const patch = await readFile(path.join(ws.codebase.paths.branch('00002'), 'diff.patch'), 'utf8');
    expect(patch).toBe(await gitCli(['--git-dir', gitdir, 'diff', '--binary', '00001', '00002']));
    expect(patch).toContain('\\ No newline at end of file');
    expect(patch).toContain('new file mode 100755');
    expect(patch).toContain('GIT binary patch');
    expect(created.changes.find((c) => c.path === 'assets/logo.bin')).toMatchObject({ kind: 'added', binary: true });

    // Applying our patch to a checkout of 00001 gives exactly the tree of 00002.
    const checkout = path.join(ws.root, '..', 'checkout');
    await gitCli(['clone', '-q', '-b', '00001', gitdir, checkout]);
    await gitCli(['apply', '--index', path.join(ws.codebase.paths.branch('00002'), 'diff.patch')], { cwd: checkout });
    expect((await gitCli(['write-tree'], { cwd: checkout })).trim()).toBe(
      await commitTree(ws.codebase.repo, created.info.commit),
    );
  });

  it('gives distinct numbers to branches made at the same moment, in one process and from two', async () => {
    const made = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        make({ [`src/parallel-${i}.ts`]: `export const i = ${i};\n` }, { parent: 1 }),
      ),
    );
    expect(made.map((b) => b.info.number).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(made.flatMap((b) => b.warnings)).toEqual([]);

    const race = (tag: string) =>
      new Promise<number[]>((resolve, reject) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', path.join(FIXTURES, 'make-branches.ts'), ws.root, 'users', '5', tag],
          { timeout: 60_000 },
          (error, stdout, stderr) =>
            // A warning means a branch was made but not recorded in the workspace repository.
            error || stderr ? reject(new Error(stderr || error?.message)) : resolve(JSON.parse(stdout) as number[]),
        );
      });
    const [a, b] = await Promise.all([race('a'), race('b')]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

    const listing = await listBranchRecords(ws.codebase);
    expect(listing.branches.map((x) => x.number)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
    expect(listing.problems).toEqual([]);
    const refs = (
      await gitCli(['--git-dir', ws.codebase.paths.gitdir, 'for-each-ref', '--format=%(refname:short)', 'refs/heads'])
    )
      .trim()
      .split('\n');
    expect(refs).toHaveLength(19);
    await gitCli(['--git-dir', ws.codebase.paths.gitdir, 'fsck', '--strict', '--no-dangling']);
    // Every metadata folder is committed in the workspace repository.
    expect(await gitCli(['status', '--porcelain'], { cwd: ws.root })).toBe('');
    expect(
      (await gitCli(['ls-files', 'codebases/users/metadata/branches/*/branch.info.json'], { cwd: ws.root }))
        .trim()
        .split('\n'),
    ).toHaveLength(19);
  });

  it('lists the tree of a branch without reading anything but trees', async () => {
    const created = await make({ 'src/extra/one.ts': 'export {};\n' });
    const files = await listTree(ws.codebase.repo, await commitTree(ws.codebase.repo, created.info.commit));
    const paths = files.map((f) => f.path);
    expect(paths).toContain('src/extra/one.ts');
    expect(paths).toEqual(
      (await gitCli(['--git-dir', ws.codebase.paths.gitdir, 'ls-tree', '-r', '--name-only', '00002']))
        .trim()
        .split('\n'),
    );
  });
});

describe('bad input', () => {
  let ws: TestWorkspace;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    ws = await testWorkspace();
    tmp = await tempDir();
  });
  afterEach(async () => {
    await ws.dispose();
    await tmp.dispose();
  });

  const branchFrom = (dir: string, parent?: number) =>
    readOverlayDir(dir).then((changes) =>
      createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        parent,
        changes,
        author: 'user',
        message: 'By hand',
      }),
    );

  it('names an unknown codebase and lists the ones that exist', async () => {
    await expect(openCodebase(ws.paths, 'orders')).rejects.toMatchObject({
      kind: 'NotFoundError',
      message: expect.stringContaining('codebase "orders" does not exist'),
    });
    await expect(openCodebase(ws.paths, 'orders')).rejects.toThrow('the codebases are: users');
  });

  it('names an unknown branch and a parent that does not exist; nothing is written', async () => {
    await expect(readBranchInfo(ws.codebase, 7)).rejects.toMatchObject({
      kind: 'NotFoundError',
      message: 'branch 00007 of codebase users does not exist (its branches run from 00001 to 00001)',
    });
    await writeTree(tmp.path, { 'a.txt': 'a\n' });
    await expect(branchFrom(tmp.path, 42)).rejects.toMatchObject({
      kind: 'NotFoundError',
      message: expect.stringContaining('branch 00042'),
    });
    expect((await listBranchRecords(ws.codebase)).branches).toHaveLength(1);
  });

  it('refuses an empty folder, a missing one, and a change that changes nothing', async () => {
    await expect(branchFrom(tmp.path)).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: expect.stringContaining('is empty'),
    });
    await expect(branchFrom(path.join(tmp.path, 'nope'))).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: expect.stringContaining('no such folder'),
    });
    const app = (await readFileAt(
      ws.codebase.repo,
      await commitTree(ws.codebase.repo, (await readBranchInfo(ws.codebase, 1)).commit),
      'src/app.ts',
    ))!;
    await writeTree(tmp.path, { 'src/app.ts': Buffer.from(app.content) });
    await expect(branchFrom(tmp.path)).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: expect.stringContaining('nothing changes'),
    });
    expect((await listBranchRecords(ws.codebase)).branches).toHaveLength(1);
  });

  it('refuses paths that escape the folder: "../" in the delete list, a link outside, and a delete of a missing file', async () => {
    await writeTree(tmp.path, { 'ok.txt': 'ok\n', '.branchyard-delete': '# comment\n../../etc/passwd\n' });
    await expect(branchFrom(tmp.path)).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: expect.stringMatching(/\.branchyard-delete line 2: "\.\.\/\.\.\/etc\/passwd" escapes the branch/),
    });

    await writeFile(path.join(tmp.path, '.branchyard-delete'), 'src/not-there.ts\n');
    await expect(branchFrom(tmp.path)).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: 'cannot delete src/not-there.ts: no such file in the parent branch',
    });

    await rm(path.join(tmp.path, '.branchyard-delete'));
    await symlink('/etc/hostname', path.join(tmp.path, 'leak.txt'));
    await expect(branchFrom(tmp.path)).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: expect.stringContaining('leak.txt links to /etc/hostname, outside the folder'),
    });

    await expect(
      createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        changes: text({ '../outside.txt': 'x' }),
        author: 'agent',
        message: 'x',
      }),
    ).rejects.toMatchObject({ kind: 'InvalidInputError', message: expect.stringContaining('escapes the branch') });
    await expect(
      createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        changes: text({ '.git/config': 'x' }),
        author: 'agent',
        message: 'x',
      }),
    ).rejects.toMatchObject({ kind: 'InvalidInputError', message: expect.stringContaining('".git" folder') });
    expect((await listBranchRecords(ws.codebase)).branches).toHaveLength(1);
    await gitCli(['--git-dir', ws.codebase.paths.gitdir, 'fsck', '--strict', '--no-dangling']);
  });

  it('never reads node_modules or .git of the folder, and follows links that stay inside it', async () => {
    await writeTree(tmp.path, {
      'src/new.ts': 'export const a = 1;\n',
      'node_modules/pkg/index.js': 'x',
      '.git/HEAD': 'ref: x',
      'sub/node_modules/y.js': 'y',
    });
    await symlink(path.join(tmp.path, 'src', 'new.ts'), path.join(tmp.path, 'alias.ts'));
    const changes = await readOverlayDir(tmp.path);
    expect(changes.writes.map((w) => w.path).sort()).toEqual(['alias.ts', 'src/new.ts']);
  });

  it('reports a corrupted branch.info.json and still lists the other branches', async () => {
    await writeTree(tmp.path, { 'a.txt': 'a\n' });
    await branchFrom(tmp.path);
    await writeFile(path.join(tmp.path, 'a.txt'), 'b\n');
    await branchFrom(tmp.path);
    await writeFile(path.join(ws.codebase.paths.branch('00002'), 'branch.info.json'), '{ "number": 2, ');
    const listing = await listBranchRecords(ws.codebase);
    expect(listing.branches.map((b) => b.number)).toEqual([1, 3]);
    expect(listing.problems).toEqual([
      {
        branch: '00002',
        file: 'codebases/users/metadata/branches/00002/branch.info.json',
        reason: expect.stringContaining('is not valid JSON'),
      },
    ]);
    await expect(readBranchInfo(ws.codebase, 2)).rejects.toMatchObject({
      kind: 'CorruptMetadataError',
      message: expect.stringContaining('00002/branch.info.json'),
    });

    await writeFile(
      path.join(ws.codebase.paths.branch('00002'), 'branch.info.json'),
      JSON.stringify({ number: 2, parent: 1 }),
    );
    expect((await listBranchRecords(ws.codebase)).problems[0]!.reason).toMatch(/commit/);
    // Recovery keeps the ref of a branch whose record is damaged: it is reported, not dropped.
    await recoverCodebase(ws.codebase);
    expect(await gitCli(['--git-dir', ws.codebase.paths.gitdir, 'branch', '--list', '00002'])).toContain('00002');
    // A new branch still gets a fresh number.
    await writeFile(path.join(tmp.path, 'a.txt'), 'c\n');
    expect((await branchFrom(tmp.path)).info.number).toBe(4);
  });
});

describe('a crash while a branch is being made', () => {
  let ws: TestWorkspace;
  beforeEach(async () => void (ws = await testWorkspace()));
  afterEach(() => ws.dispose());

  const crashAfter = (step: string) =>
    new Promise<{ signal: NodeJS.Signals | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', path.join(FIXTURES, 'crash-branch.ts'), ws.root, 'users', step],
        { timeout: 60_000 },
        (_error, stdout) => resolve({ signal: child.signalCode, stdout }),
      );
    });

  it.each(['objects', 'number', 'commit', 'record', 'ref'])(
    'after "%s": the branch is absent after recovery, and the next one takes its place',
    async (step) => {
      const run = await crashAfter(step);
      expect(run.signal).toBe('SIGKILL');
      const report = await recoverCodebase(ws.codebase);
      if (step === 'record') expect(report.removedStaging).toHaveLength(1);
      if (step === 'ref') expect(report.removedRefs).toEqual(['00002']);
      expect((await listBranchRecords(ws.codebase)).branches.map((b) => b.number)).toEqual([1]);
      expect((await readdir(ws.codebase.paths.branchesDir)).sort()).toEqual(['00001']);
      expect((await gitCli(['--git-dir', ws.codebase.paths.gitdir, 'branch', '--list'])).trim()).toBe('* 00001');
      await gitCli(['--git-dir', ws.codebase.paths.gitdir, 'fsck', '--strict', '--no-dangling']);
      expect(await gitCli(['status', '--porcelain'], { cwd: ws.root })).toBe('');
      const next = await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        changes: text({ 'x.txt': 'x\n' }),
        author: 'user',
        message: 'After the crash',
      });
      expect(next.info.number).toBe(2);
    },
  );

  it('after "publish": the branch is complete, and recovery records it in the workspace repository', async () => {
    const run = await crashAfter('publish');
    expect(run.signal).toBe('SIGKILL');
    expect(await gitCli(['status', '--porcelain'], { cwd: ws.root })).toContain(
      'codebases/users/metadata/branches/00002/',
    );
    // Someone is editing another record by hand meanwhile: recovery must not commit that.
    await writeFile(path.join(ws.codebase.paths.branch('00001'), 'summary.md'), 'edited by hand\n');
    const report = await recoverCodebase(ws.codebase);
    expect(report.workspaceCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(await gitCli(['status', '--porcelain'], { cwd: ws.root })).toBe(
      ' M codebases/users/metadata/branches/00001/summary.md\n',
    );
    const info = await readBranchInfo(ws.codebase, 2);
    expect(info.commit).toBe((await gitCli(['--git-dir', ws.codebase.paths.gitdir, 'rev-parse', '00002'])).trim());
    const tree = await commitTree(ws.codebase.repo, info.commit);
    const diff = await diffBetween(
      ws.codebase.repo,
      await commitTree(ws.codebase.repo, (await readBranchInfo(ws.codebase, 1)).commit),
      tree,
    );
    expect(diff.changes.map((c) => c.path)).toEqual([
      'src/crash/file-0.ts',
      'src/crash/file-1.ts',
      'src/crash/file-2.ts',
      'src/crash/file-3.ts',
      'src/crash/file-4.ts',
    ]);
    expect(await readFile(path.join(ws.codebase.paths.branch('00002'), 'diff.patch'), 'utf8')).toBe(diff.patch);
  });
});

describe('opening the repository again', () => {
  it('puts back a ref deleted by hand from the commit its record names', async () => {
    const ws = await testWorkspace();
    try {
      const created = await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        changes: text({ 'x.txt': 'x\n' }),
        author: 'user',
        message: 'x',
      });
      await gitCli(['--git-dir', ws.codebase.paths.gitdir, 'update-ref', '-d', 'refs/heads/00002']);
      const report = await recoverCodebase(ws.codebase);
      expect(report.restoredRefs).toEqual(['00002']);
      expect((await gitCli(['--git-dir', ws.codebase.paths.gitdir, 'rev-parse', '00002'])).trim()).toBe(
        created.info.commit,
      );
      await mkdir(path.join(ws.root, 'unused'), { recursive: true });
    } finally {
      await ws.dispose();
    }
  });
});
