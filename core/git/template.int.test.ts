// The boilerplate every first branch starts from must type-check under the strict settings it
// ships with, and its example feature must work: these are what the agent learns the stack from.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as Controllers from '../../templates/codebase/src/features/notes/controllers/notes.ts';
import type * as Validators from '../../templates/codebase/src/features/notes/validators/notes.ts';
import { CODEBASE_TEMPLATE } from './index.ts';

const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

describe('templates/codebase', () => {
  it('type-checks with its own tsconfig', async () => {
    const result = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [TSC, '-p', path.join(CODEBASE_TEMPLATE, 'tsconfig.json')],
        { timeout: 120_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
      ),
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  });

  it('has a working example feature: create, list, get, and a not-found error', async () => {
    const controllers = (await import(
      path.join(CODEBASE_TEMPLATE, 'src/features/notes/controllers/notes.ts')
    )) as typeof Controllers;
    const validators = (await import(
      path.join(CODEBASE_TEMPLATE, 'src/features/notes/validators/notes.ts')
    )) as typeof Validators;
    const created = controllers.createNote({ title: '  First  ', body: 'hello' });
    expect(created).toMatchObject({ title: 'First', body: 'hello', id: expect.any(String) });
    expect(validators.createNoteOutput.parse(created)).toEqual(created);
    expect(controllers.listNotes().map((n) => n.id)).toContain(created.id);
    expect(controllers.getNote({ id: created.id })).toEqual(created);
    expect(() => controllers.getNote({ id: 'missing' })).toThrow(
      expect.objectContaining({ name: 'NotFoundError', message: 'note missing was not found' }),
    );
    expect(validators.createNoteInput.safeParse({ title: '' }).success).toBe(false);
  });
});
