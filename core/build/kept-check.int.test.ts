// Incremental checks (kept-check.ts) on real branches and the real compiler: what a build reuses
// from the codebase's last check never hides a diagnostic that its change causes in a file it did
// not change, nor keeps one it fixed, and builds of one codebase at once each get their own answer.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBranch } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import { analyzeBranch, buildBranch, checkoutBranch } from './index.ts';
import { keptChecks, typecheckKept, viewOf } from './kept-check.ts';

const LABELS = 'src/features/notes/controllers/labels.ts';
const FORMAT = 'src/features/notes/lib/format.ts';
const MIDDLE = 'src/features/notes/lib/middle.ts';

describe('an incremental check', () => {
  let ws: TestWorkspace;
  beforeAll(async () => void (ws = await testWorkspace()));
  afterAll(() => ws.dispose());

  const branch = async (parent: number, files: Record<string, string>, deletes: string[] = []) =>
    (
      await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        parent,
        changes: text(files, deletes),
        author: 'agent',
        message: 'test',
      })
    ).info.number;
  const check = async (number: number) => {
    const checkout = await checkoutBranch(ws.codebase, number);
    const view = viewOf(checkout.dir);
    return { view, ...typecheckKept(checkout.dir, checkout.files, view) };
  };

  it('reports a type its change broke in a file it did not change, through a file between them, and forgets it once fixed', async () => {
    const base = await branch(1, {
      [FORMAT]: 'export const make = () => ({ n: 1 });\n',
      // The type passes through here without being written down.
      [MIDDLE]: "import { make } from './format.ts';\nexport const value = make();\n",
      [LABELS]:
        "import { value } from '../lib/middle.ts';\nexport function getLabel(): { text: string } {\n  return { text: value.n.toFixed(1) };\n}\n",
    });
    const first = await check(base);
    expect(first.diagnostics).toEqual([]);

    const broken = await branch(base, { [FORMAT]: "export const make = () => ({ n: 'one' });\n" });
    const second = await check(broken);
    expect(keptChecks()).toBeGreaterThanOrEqual(1);
    // The unchanged file's syntax tree is the one the first check parsed: the check was incremental.
    const labels = path.join(second.view, LABELS);
    expect(second.program.getSourceFile(labels)).toBe(first.program.getSourceFile(labels));
    expect(second.diagnostics).toEqual([
      expect.objectContaining({
        file: LABELS,
        line: 3,
        code: 'TS2551',
        message: expect.stringContaining("'toFixed' does not exist on type 'string'"),
      }),
    ]);

    const fixed = await branch(broken, {
      [LABELS]:
        "import { value } from '../lib/middle.ts';\nexport function getLabel(): { text: string } {\n  return { text: value.n };\n}\n",
    });
    expect((await check(fixed)).diagnostics).toEqual([]);
    // Back to the first tree: its answer again, not the last one's.
    expect((await check(broken)).diagnostics).toEqual([expect.objectContaining({ file: LABELS, code: 'TS2551' })]);
  });

  it('reports a validator that its change made disagree, in the validators file it did not change', async () => {
    const changed = await branch(1, {
      'src/features/notes/controllers/count.ts':
        'export function countNotes(): { count: number } {\n  return { count: 1 };\n}\n',
      'src/features/notes/validators/count.ts':
        "import { z } from 'zod';\nexport const countNotesOutput = z.object({ count: z.number() });\n",
    });
    expect((await analyzeBranch(ws.codebase, changed)).ok).toBe(true);
    const renamed = await branch(changed, {
      'src/features/notes/controllers/count.ts':
        'export function countNotes(): { total: number } {\n  return { total: 1 };\n}\n',
    });
    const analysis = await analyzeBranch(ws.codebase, renamed);
    expect(analysis.ok).toBe(false);
    expect(analysis.diagnostics).toEqual([
      expect.objectContaining({
        file: 'src/features/notes/validators/count.ts',
        code: 'BY-VALIDATOR',
        message: expect.stringContaining('countNotesOutput does not accept what it returns'),
      }),
    ]);
  });

  it('gives builds of one codebase at once each their own answer, after a file was added and one deleted', async () => {
    const extra = await branch(1, {
      'src/features/notes/controllers/extra.ts': 'export function getExtra(): { n: number } {\n  return { n: 1 };\n}\n',
    });
    const broken = await branch(1, {
      'src/features/notes/controllers/other.ts':
        "export function getOther(): { n: number } {\n  return { n: 'one' };\n}\n",
    });
    const removed = await branch(1, {}, ['src/features/notes/controllers/notes.ts']);
    for (let round = 0; round < 2; round++) {
      const [a, b, c] = await Promise.all([
        buildBranch(ws.codebase, extra),
        analyzeBranch(ws.codebase, broken),
        analyzeBranch(ws.codebase, removed),
      ]);
      expect(a).toMatchObject({ ok: true, diagnostics: [] });
      expect(a.routes.map((r) => r.path).sort()).toEqual([
        '/notes/create-note',
        '/notes/get-extra',
        '/notes/get-note',
        '/notes/list-notes',
      ]);
      expect(b.ok).toBe(false);
      expect(b.diagnostics).toEqual([
        expect.objectContaining({ file: 'src/features/notes/controllers/other.ts', line: 2, code: 'TS2322' }),
      ]);
      expect(b.functions.map((f) => f.name)).not.toContain('getExtra');
      expect(c.functions.map((f) => f.name)).toEqual([]);
    }
  });
});
