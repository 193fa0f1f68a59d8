// Dev revisions: their files, their rows in a real engine state (PGlite), and the two agreeing
// after a replay.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.ts';
import {
  listBranchRows,
  listRevisionRows,
  openStore,
  recordCost,
  revisionConversation,
  revisionId,
  tables,
} from '../store/index.ts';
import { createBranch, indexBranch } from '../git/index.ts';
import {
  addPrompt,
  addResponse,
  linkRevisionBranch,
  openRevision,
  readRevision,
  recordRole,
  reindexCodebase,
  setRevisionStatus,
  writeRefined,
} from './index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { gitCli, testWorkspace, text } from '../git/fixtures/test-workspace.ts';

describe('dev revisions', () => {
  let ws: TestWorkspace;
  let store: Store;
  beforeAll(async () => {
    ws = await testWorkspace();
    store = await openStore({ stateDir: ws.paths.stateDir, databaseUrl: '' });
  });
  afterAll(async () => {
    await store.close();
    await ws.dispose();
  });

  it('keeps every prompt, answer and response with its time, the branch it made, and mirrors them into the state', async () => {
    const t0 = new Date('2026-11-21T10:00:00.000Z');
    const opened = await openRevision({
      codebase: ws.codebase,
      prompt: 'Add a way to count notes',
      parentBranch: 1,
      state: store.db,
      date: t0,
    });
    expect(opened.info).toMatchObject({ number: 1, parentBranch: 1, status: 'open', createdAt: t0.toISOString() });

    await addResponse({
      codebase: ws.codebase,
      number: 1,
      kind: 'questions',
      text: 'Count all notes, or per author?',
      state: store.db,
      date: new Date('2026-11-21T10:00:05.000Z'),
    });
    await setRevisionStatus({ codebase: ws.codebase, number: 1, status: 'needs-answer', state: store.db });
    await addPrompt({
      codebase: ws.codebase,
      number: 1,
      kind: 'answer',
      text: 'All notes.\n\n## not a heading of ours',
      state: store.db,
      date: new Date('2026-11-21T10:01:00.000Z'),
    });
    const branch = await createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      changes: text({ 'src/count.ts': 'export const count = 0;\n' }),
      author: 'agent',
      devRevision: 1,
      message: 'Count notes',
    });
    await indexBranch(store.db, ws.codebase, branch.info, branch.changes);
    await addResponse({
      codebase: ws.codebase,
      number: 1,
      kind: 'summary',
      text: 'Added countNotes.',
      state: store.db,
      date: new Date('2026-11-21T10:02:00.000Z'),
    });
    await linkRevisionBranch({ codebase: ws.codebase, number: 1, branch: branch.info.number, state: store.db });
    const done = await setRevisionStatus({ codebase: ws.codebase, number: 1, status: 'done', state: store.db });

    const dir = ws.codebase.paths.revision('0001');
    const prompt = await readFile(path.join(dir, 'prompt.md'), 'utf8');
    expect(prompt).toBe(
      '# Dev revision 0001 of users\n\n## prompt · 2026-11-21T10:00:00.000Z\n\nAdd a way to count notes\n\n## answer · 2026-11-21T10:01:00.000Z\n\nAll notes.\n\n## not a heading of ours\n',
    );
    expect(await readFile(path.join(dir, 'response.md'), 'utf8')).toContain(
      '## questions · 2026-11-21T10:00:05.000Z\n\nCount all notes, or per author?\n',
    );
    expect(await readFile(path.join(dir, 'branch-number'), 'utf8')).toBe('00002\n');
    expect(done).toMatchObject({ branch: 2, info: { status: 'done' } });
    expect(done.prompts.map((p) => [p.kind, p.text])).toEqual([
      ['prompt', 'Add a way to count notes'],
      ['answer', 'All notes.\n\n## not a heading of ours'],
    ]);
    expect(done.responses.map((r) => r.kind)).toEqual(['questions', 'summary']);

    const id = (await revisionId(store.db, 'users', 1))!;
    await recordCost(store.db, {
      devRevisionId: id,
      model: 'test-model',
      promptTokens: 1000,
      completionTokens: 200,
      costMicroUsd: 1234,
    });
    await recordCost(store.db, {
      devRevisionId: id,
      model: 'test-model',
      promptTokens: 500,
      completionTokens: 100,
      costMicroUsd: 766,
    });
    const rows = await listRevisionRows(store.db, 'users');
    expect(rows).toEqual([
      expect.objectContaining({
        number: 1,
        status: 'done',
        parentBranch: 1,
        branchNumber: 2,
        prompt: 'Add a way to count notes',
        costMicroUsd: 2000,
      }),
    ]);
    const [branchRow] = (await listBranchRows(store.db, 'users')).filter((b) => b.number === 2);
    expect(branchRow).toMatchObject({
      number: 2,
      parentNumber: 1,
      authorKind: 'agent',
      devRevisionId: id,
      commitId: branch.info.commit,
    });

    // Every change was committed in the workspace repository.
    expect(await gitCli(['status', '--porcelain'], { cwd: ws.root })).toBe('');
    expect(await gitCli(['log', '--format=%s', '-3'], { cwd: ws.root })).toContain('users: dev revision 0001 is done');
  });

  it('gives distinct numbers to revisions opened at the same moment', async () => {
    const opened = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        openRevision({ codebase: ws.codebase, prompt: `prompt ${i}`, parentBranch: null, state: store.db }),
      ),
    );
    expect(opened.map((r) => r.info.number).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7]);
    expect((await listRevisionRows(store.db, 'users')).map((r) => r.number)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('rebuilds the same rows from the files alone', async () => {
    const before = await listRevisionRows(store.db, 'users');
    const conversation = await revisionConversation(store.db, (await revisionId(store.db, 'users', 1))!);
    await store.db.delete(tables.devRevisions);
    await store.db.delete(tables.branches);
    const replay = await reindexCodebase(store.db, ws.codebase);
    expect(replay).toEqual({ revisions: 7, branches: 2, problems: [] });
    const after = await listRevisionRows(store.db, 'users');
    // The cost ledger keeps its entries (they point nowhere once the row is gone); the rest matches.
    const unpriced = ({
      costMicroUsd: _cost,
      promptTokens: _prompt,
      completionTokens: _completion,
      ...r
    }: (typeof before)[number]) => r;
    expect(after.map(unpriced)).toEqual(before.map(unpriced));
    expect(await revisionConversation(store.db, (await revisionId(store.db, 'users', 1))!)).toEqual(conversation);
  });

  it('refuses an empty prompt and names an unknown revision; reports a damaged revision.json', async () => {
    await expect(openRevision({ codebase: ws.codebase, prompt: '   ', parentBranch: 1 })).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: expect.stringContaining('the prompt is empty'),
    });
    await expect(addPrompt({ codebase: ws.codebase, number: 99, kind: 'answer', text: 'x' })).rejects.toMatchObject({
      kind: 'NotFoundError',
      message: 'dev revision 0099 of codebase users does not exist (its revisions run from 0001 to 0007)',
    });
    await writeFile(
      path.join(ws.codebase.paths.revision('0003'), 'revision.json'),
      '{"number": 3, "status": "sleeping"}',
    );
    await expect(readRevision(ws.codebase, 3)).rejects.toMatchObject({
      kind: 'CorruptMetadataError',
      message: expect.stringContaining('0003/revision.json: '),
    });
    const replay = await reindexCodebase(store.db, ws.codebase);
    expect(replay.revisions).toBe(6);
    expect(replay.problems).toEqual([expect.stringContaining('0003/revision.json')]);
  });

  it('records which roles took part with their models, where the refined request is and who said what; reads files from before roles', async () => {
    const dir = ws.codebase.paths.revision('0002');
    // Revision 0002 as an engine before roles wrote it: no roles, no refined, headings without a role.
    await writeFile(
      path.join(dir, 'revision.json'),
      JSON.stringify({
        number: 2,
        parentBranch: null,
        status: 'done',
        createdAt: '2026-11-21T10:00:00.000Z',
        updatedAt: '2026-11-21T10:00:00.000Z',
      }),
    );
    await writeFile(
      path.join(dir, 'response.md'),
      '# Responses\n\n## message · 2026-11-21T10:00:01.000Z\n\nAn old answer.\n',
    );
    const old = await readRevision(ws.codebase, 2);
    expect(old.info.roles).toBeUndefined();
    expect(old.info.refined).toBeUndefined();
    expect(old.responses).toEqual([
      { kind: 'message', text: 'An old answer.', at: new Date('2026-11-21T10:00:01.000Z') },
    ]);

    const records = { codebase: ws.codebase, state: store.db, number: 2 };
    await recordRole({ ...records, role: 'product-owner', model: 'small/po' });
    await addResponse({ ...records, kind: 'questions', text: 'Which notes?', role: 'product-owner' });
    await writeRefined({ ...records, text: '# Refined request\n\nCount all notes.\n' });
    await recordRole({ ...records, role: 'developer', model: 'big/dev' });
    // Noted once however often a role goes on (each answer, each resume).
    await recordRole({ ...records, role: 'product-owner', model: 'small/po' });
    await addResponse({ ...records, kind: 'summary', text: 'Counted.', role: 'developer' });
    await addResponse({ ...records, kind: 'error', text: 'The engine said so.' });

    const info = JSON.parse(await readFile(path.join(dir, 'revision.json'), 'utf8')) as Record<string, unknown>;
    expect(info.roles).toEqual([
      { role: 'product-owner', model: 'small/po' },
      { role: 'developer', model: 'big/dev' },
    ]);
    expect(info.refined).toBe('refined.md');
    expect(await readFile(path.join(dir, 'refined.md'), 'utf8')).toContain('Count all notes.');
    const read = await readRevision(ws.codebase, 2);
    expect(read.responses.map((r) => [r.kind, r.role, r.text])).toEqual([
      ['message', undefined, 'An old answer.'],
      ['questions', 'product-owner', 'Which notes?'],
      ['summary', 'developer', 'Counted.'],
      ['error', undefined, 'The engine said so.'],
    ]);
    // Committed (0003 was damaged on purpose above).
    expect(await gitCli(['status', '--porcelain', '--', dir], { cwd: ws.root })).toBe('');
  });
});
