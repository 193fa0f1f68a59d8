// Reading what a branch exposes, on real branches type-checked by the real compiler: the
// boilerplate's routes and shapes, and each way a branch can fail to build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBranch } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import { analyzeBranch, formatDiagnostic, kebab } from './index.ts';

describe('analyzing a branch', () => {
  let ws: TestWorkspace;
  beforeAll(async () => void (ws = await testWorkspace()));
  afterAll(() => ws.dispose());

  const branchWith = async (files: Record<string, string>) =>
    (
      await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        parent: 1,
        changes: text(files),
        author: 'agent',
        message: 'test',
      })
    ).info.number;

  it('finds the boilerplate functions with their routes, validators and shapes', async () => {
    const analysis = await analyzeBranch(ws.codebase, 1);
    expect(analysis.diagnostics).toEqual([]);
    expect(analysis.problems).toEqual([]);
    expect(analysis.ok).toBe(true);
    const routes = analysis.functions.map((f) => `${f.method} ${f.path} ${f.feature}.${f.name}`).sort();
    expect(routes).toEqual([
      'GET /notes/get-note notes.getNote',
      'GET /notes/list-notes notes.listNotes',
      'POST /notes/create-note notes.createNote',
    ]);
    const create = analysis.functions.find((f) => f.name === 'createNote')!;
    expect(create.validators).toEqual({
      file: 'src/features/notes/validators/notes.ts',
      input: 'createNoteInput',
      output: 'createNoteOutput',
    });
    expect(create.input).toEqual({
      kind: 'object',
      properties: [
        { name: 'title', shape: { kind: 'string' }, optional: false },
        { name: 'body', shape: { kind: 'string' }, optional: true },
      ],
    });
    expect(create.output).toMatchObject({
      kind: 'object',
      properties: expect.arrayContaining([{ name: 'createdAt', shape: { kind: 'date' }, optional: false }]),
    });
    expect(create.description).toBe('Adds a note and returns it with its new id.');
    expect(analysis.functions.find((f) => f.name === 'listNotes')).toMatchObject({
      input: { kind: 'void' },
      output: { kind: 'array' },
    });
  });

  it('maps literal unions, nullable and optional fields, records, promises and @route', async () => {
    const number = await branchWith({
      'src/features/orders/controllers/orders.ts': [
        "type Status = 'open' | 'paid' | 'shipped';",
        'interface Order { id: string; status: Status; note: string | null; tags?: string[]; totals: Record<string, number>; paid: boolean }',
        '/** Changes an order. @route PUT /orders/{id} */',
        'export async function updateOrder(input: { id: string; status?: Status }): Promise<Order> {',
        "  return { id: input.id, status: input.status ?? 'open', note: null, totals: {}, paid: false };",
        '}',
        'export function searchOrders(input: { q: string; limit?: number }): Order[] {',
        '  return input.q ? [] : [];',
        '}',
        'export const PAGE_SIZE = 20;',
        '',
      ].join('\n'),
    });
    const analysis = await analyzeBranch(ws.codebase, number);
    expect(analysis.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(analysis.problems).toEqual([]);
    const update = analysis.functions.find((f) => f.name === 'updateOrder')!;
    expect(update).toMatchObject({ method: 'PUT', path: '/orders/{id}' });
    const status = {
      kind: 'union',
      options: [
        { kind: 'literal', value: 'open' },
        { kind: 'literal', value: 'paid' },
        { kind: 'literal', value: 'shipped' },
      ],
    };
    expect(update.input).toEqual({
      kind: 'object',
      properties: [
        { name: 'id', shape: { kind: 'string' }, optional: false },
        { name: 'status', shape: status, optional: true },
      ],
    });
    expect(update.output).toEqual({
      kind: 'object',
      properties: [
        { name: 'id', shape: { kind: 'string' }, optional: false },
        { name: 'status', shape: status, optional: false },
        { name: 'note', shape: { kind: 'union', options: [{ kind: 'null' }, { kind: 'string' }] }, optional: false },
        { name: 'tags', shape: { kind: 'array', items: { kind: 'string' } }, optional: true },
        { name: 'totals', shape: { kind: 'record', values: { kind: 'number' } }, optional: false },
        { name: 'paid', shape: { kind: 'boolean' }, optional: false },
      ],
    });
    expect(analysis.functions.find((f) => f.name === 'searchOrders')).toMatchObject({
      method: 'GET',
      path: '/orders/search-orders',
    });
    expect(analysis.functions.map((f) => f.name)).not.toContain('PAGE_SIZE');
  });

  it('reports type errors with file, line and message, and imports outside the stack by name', async () => {
    const number = await branchWith({
      'src/features/notes/controllers/broken.ts':
        "import _ from 'lodash';\nexport function getBroken(): number {\n  return 'not a number';\n}\n",
    });
    const analysis = await analyzeBranch(ws.codebase, number);
    expect(analysis.ok).toBe(false);
    expect(analysis.diagnostics).toEqual([
      expect.objectContaining({
        file: 'src/features/notes/controllers/broken.ts',
        line: 1,
        code: 'BY-STACK',
        message: expect.stringContaining('imports "lodash", which is not in the stack'),
      }),
      expect.objectContaining({
        file: 'src/features/notes/controllers/broken.ts',
        line: 3,
        code: 'TS2322',
        message: "Type 'string' is not assignable to type 'number'.",
      }),
    ]);
  });

  it('refuses functions it cannot expose, naming the function and the type', async () => {
    const number = await branchWith({
      'src/features/bad/controllers/bad.ts': [
        'export function twoArgs(a: { x: string }, b: { y: string }): string { return a.x + b.y; }',
        'export function returnsMap(): Map<string, number> { return new Map(); }',
        'export function takesAny(input: { data: any }): string { return String(input.data); }',
        'export function takesString(input: string): string { return input; }',
        '/** @route FETCH /x */',
        'export function badRoute(): string { return ""; }',
        '',
      ].join('\n'),
    });
    const analysis = await analyzeBranch(ws.codebase, number);
    expect(analysis.diagnostics).toEqual([]);
    expect(analysis.problems.map((p) => `${p.function}: ${p.message}`).sort()).toEqual([
      'bad.badRoute: @route "FETCH /x" is not "<METHOD> /path" with a method of GET, POST, PUT, PATCH, DELETE',
      'bad.returnsMap: type Map<string, number> cannot be mapped: a Map does not map onto JSON',
      'bad.takesAny: type any cannot be mapped: it says nothing about the data',
      "bad.takesString: its parameter is a string; it must be an object (its fields become the request's fields)",
      'bad.twoArgs: takes 2 parameters; an exposed function takes at most one, an object',
    ]);
    expect(analysis.problems.every((p) => p.file === 'src/features/bad/controllers/bad.ts' && p.line > 0)).toBe(true);
  });

  it('names routes in kebab case', () => {
    expect(kebab('getUserByID')).toBe('get-user-by-id');
    expect(kebab('listNotes')).toBe('list-notes');
    expect(kebab('createHTTPServer')).toBe('create-http-server');
  });
});
