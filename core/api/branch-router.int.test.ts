// The branch procedures as the UI calls them: the tree and any file of a branch (text or
// binary), and the diff of a first branch, which has no parent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import { createBranch } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import { appRouter } from './router.ts';
import { createCallerFactory } from './trpc.ts';

const noState = () => Promise.reject(new Error('these procedures need no engine state'));
const createCaller = createCallerFactory(appRouter);

describe('branch procedures', () => {
  let ws: TestWorkspace;
  let api: ReturnType<typeof createCaller>;
  beforeAll(async () => {
    ws = await testWorkspace();
    await createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      changes: { writes: [{ path: 'assets/icon.bin', content: Buffer.from([0, 159, 146, 150]) }], deletes: [] },
      author: 'user',
      message: 'An icon',
    });
    api = createCaller({ events: createEventBus(), env: {}, workspaceRoot: ws.root, state: noState });
  });
  afterAll(() => ws.dispose());

  it('reads any file of a branch as it is there: text as text, binary as base64', async () => {
    const text = await api.branch.file({ codebase: 'users', branch: '2', path: 'src/app.ts' });
    expect(text).toMatchObject({ binary: false, mode: '100644', content: expect.stringContaining('export const app') });
    const binary = await api.branch.file({ codebase: 'users', branch: 2, path: 'assets/icon.bin' });
    expect(binary).toMatchObject({
      binary: true,
      size: 4,
      content: Buffer.from([0, 159, 146, 150]).toString('base64'),
    });
    await expect(api.branch.file({ codebase: 'users', branch: 1, path: 'assets/icon.bin' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'branch 00001 of users has no file assets/icon.bin',
    });
  });

  it('lists the tree, and diffs a first branch against nothing', async () => {
    const tree = await api.branch.tree({ codebase: 'users', branch: 2 });
    expect(tree.files.map((f) => f.path)).toContain('assets/icon.bin');
    const first = await api.branch.diff({ codebase: 'users', branch: 1 });
    expect(first.against).toBeNull();
    expect(first.changes.every((c) => c.kind === 'added')).toBe(true);
    expect(first.changes.map((c) => c.path)).toEqual(
      tree.files.filter((f) => f.path !== 'assets/icon.bin').map((f) => f.path),
    );
  });

  it('names a bad branch number and an unknown codebase in the error', async () => {
    await expect(api.branch.show({ codebase: 'users', branch: 'seven' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'branch: expected a branch number such as 7 or 00007 (1 to 99999), got "seven"',
    });
    await expect(api.branch.tree({ codebase: 'billing', branch: 1 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('codebase "billing" does not exist'),
    });
  });
});
