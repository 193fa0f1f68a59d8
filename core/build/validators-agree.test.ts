// The compiler proves that hand-written validators agree with their functions: on the codebase
// boilerplate as it ships, and on the edits an agent makes when it forgets the validator.
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { linkStack } from './stack.ts';
import { formatDiagnostic, typecheck } from './typecheck.ts';

const BOILERPLATE = new URL('../../templates/codebase/', import.meta.url).pathname;
const CONTROLLER = 'src/features/notes/controllers/notes.ts';
const VALIDATORS = 'src/features/notes/validators/notes.ts';

describe('validators agree with their functions', () => {
  let dir: { path: string; dispose: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir();
    await cp(BOILERPLATE, dir.path, { recursive: true });
    await linkStack(dir.path);
  });
  afterEach(() => dir.dispose());

  const edit = async (file: string, from: string | RegExp, to: string) => {
    const target = path.join(dir.path, file);
    const before = await readFile(target, 'utf8');
    const after = before.replace(from, to);
    expect(after, `the edit of ${file} applies`).not.toBe(before);
    await writeFile(target, after);
  };
  const check = async () => {
    const files = [
      'src/app.ts',
      CONTROLLER,
      VALIDATORS,
      'src/features/notes/services/notes-service.ts',
      'src/features/notes/models/note.ts',
    ];
    return typecheck(dir.path, files).diagnostics;
  };
  const lineOf = async (file: string, text: string) =>
    (await readFile(path.join(dir.path, file), 'utf8')).split('\n').findIndex((l) => l.includes(text)) + 1;

  it('finds nothing wrong with the boilerplate', async () => {
    expect((await check()).map(formatDiagnostic)).toEqual([]);
  });

  it('names the validator file, its line and the fields when a function returns what its output validator refuses', async () => {
    // The stale-validator branch: getNote changed, validators/notes.ts left as it was.
    await edit(
      CONTROLLER,
      /export function getNote\(input: \{ id: string \}\): Note \{\n {2}return noteById\(input.id\);/,
      'export function getNote(input: { id: string }): { id: string; text: string } {\n  const note = noteById(input.id);\n  return { id: note.id, text: note.body };',
    );
    const diagnostics = await check();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      file: VALIDATORS,
      line: await lineOf(VALIDATORS, 'export const getNoteOutput'),
      code: 'BY-VALIDATOR',
    });
    expect(diagnostics[0]!.message).toMatch(/^getNoteOutput does not accept what it returns: notes\.getNote/);
    expect(diagnostics[0]!.message).toMatch(/"title"/);
  });

  it('says when an input validator refuses inputs the function takes, or lets through what it does not', async () => {
    await edit(
      CONTROLLER,
      'export function getNote(input: { id: string }): Note {',
      'export function getNote(input: { id: string | number }): Note {',
    );
    await edit(CONTROLLER, 'return noteById(input.id);', 'return noteById(String(input.id));');
    const narrow = await check();
    expect(narrow.map((d) => [d.file, d.line, d.message.split(' notes.')[0]])).toEqual([
      [
        VALIDATORS,
        await lineOf(VALIDATORS, 'export const getNoteInput'),
        'getNoteInput refuses inputs that the parameter of',
      ],
    ]);
    expect(narrow[0]!.message).toMatch(/"id"/);

    await edit(CONTROLLER, 'input: { id: string | number }', 'input: { id: string }');
    await edit(CONTROLLER, 'String(input.id)', 'input.id');
    await edit(
      VALIDATORS,
      'export const getNoteInput = z.object({ id: z.string().min(1) });',
      'export const getNoteInput = z.object({ id: z.union([z.string(), z.number()]) });',
    );
    const wide = await check();
    expect(wide.map((d) => d.message.split(' notes.')[0])).toEqual([
      'getNoteInput lets through values that do not fit the parameter of',
    ]);
  });
});
