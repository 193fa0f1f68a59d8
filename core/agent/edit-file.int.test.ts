// `edit_file` through the tool the model calls, on a real working copy of a real branch: one
// line of a 400-line file changes and nothing else does; refusals leave the file as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import { runTool } from './tools.ts';
import { WorkingCopy } from './working-copy.ts';

const FILE = 'src/features/lines/services/lines.ts';
const long = Array.from({ length: 400 }, (_, i) => `export const line${i + 1} = ${i + 1};`).join('\n') + '\n';

describe('edit_file on a working copy', () => {
  let ws: TestWorkspace;
  let copy: WorkingCopy;
  beforeAll(async () => {
    ws = await testWorkspace();
    copy = await WorkingCopy.open(ws.codebase, `${ws.root}/../working-copy.json`, 1);
    expect(await runTool(copy, 'write_file', JSON.stringify({ path: FILE, content: long }))).toMatchObject({
      ok: true,
    });
  });
  afterAll(() => ws.dispose());

  it('changes one line of a 400-line file and nothing else', async () => {
    const outcome = await runTool(
      copy,
      'edit_file',
      JSON.stringify({ path: FILE, old_text: 'export const line250 = 250;', new_text: 'export const line250 = 2500;' }),
    );
    expect(outcome).toEqual({ kind: 'answer', ok: true, text: `Edited ${FILE} at line 250 (1 lines replaced by 1).` });
    const after = (await copy.read(FILE))!.split('\n');
    const before = long.split('\n');
    expect(after).toHaveLength(before.length);
    expect(after.flatMap((line, i) => (line === before[i] ? [] : [[i + 1, line]]))).toEqual([
      [250, 'export const line250 = 2500;'],
    ]);
    // Kept across a reopen, as the transcript and working copy are after a restart.
    const reopened = await WorkingCopy.open(ws.codebase, `${ws.root}/../working-copy.json`, 1);
    expect((await reopened.read(FILE))!.split('\n')[249]).toBe('export const line250 = 2500;');
  });

  it('refuses, and leaves the file as it was, when the text is absent or not unique, the file missing or the path outside src/', async () => {
    const before = await copy.read(FILE);
    expect(
      await runTool(copy, 'edit_file', JSON.stringify({ path: FILE, old_text: 'export const line1', new_text: 'x' })),
    ).toEqual({
      kind: 'answer',
      ok: false,
      text: `Refused: ${FILE}: "old_text" occurs 111 times (lines 1, 10, 11, 12, 13, 14, 15, 16, 17, 18); include more of the lines around the one you mean so it occurs once`,
    });
    expect(
      await runTool(
        copy,
        'edit_file',
        JSON.stringify({ path: FILE, old_text: 'export const line401 = 401;', new_text: 'x' }),
      ),
    ).toMatchObject({ ok: false, text: expect.stringContaining('does not occur in the file') });
    expect(
      await runTool(copy, 'edit_file', JSON.stringify({ path: 'src/none.ts', old_text: 'a', new_text: 'b' })),
    ).toMatchObject({ ok: false, text: 'Refused: there is no file src/none.ts; create it with write_file' });
    expect(
      await runTool(copy, 'edit_file', JSON.stringify({ path: 'package.json', old_text: 'a', new_text: 'b' })),
    ).toMatchObject({ ok: false, text: expect.stringContaining('managed by Branchyard') });
    expect(await runTool(copy, 'edit_file', JSON.stringify({ path: FILE, old_text: 'a' }))).toMatchObject({
      ok: false,
      text: expect.stringContaining('expected "old_text" and "new_text"'),
    });
    expect(await copy.read(FILE)).toBe(before);
  });
});
