// Whole builds on real branches: the bundled server started as its own process on a unix
// socket, answering REST and tRPC calls, its OpenAPI document checked by a validator, errors
// mapped to statuses, a hung function cut off with 504, and the cache.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBranch } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import { expectOk, requestOverSocket, runBranchyard } from '../testing/index.ts';
import { buildBranch } from './index.ts';

async function call(
  socketPath: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await requestOverSocket(socketPath, { method, path: url, body });
  return { status: response.status, json: JSON.parse(response.body || 'null') as Record<string, unknown> };
}

async function startServer(server: string, socket: string, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [server], {
    env: { ...process.env, BRANCHYARD_SOCKET: socket, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the branch server did not start within 20 s')), 20_000);
    child.stdout!.on(
      'data',
      (chunk: Buffer) => chunk.toString().includes('listening') && (clearTimeout(timer), resolve()),
    );
    child.on('exit', (code) => reject(new Error(`the branch server exited with ${code}`)));
  });
  return child;
}

describe('building a branch', () => {
  let ws: TestWorkspace;
  const children: ChildProcess[] = [];
  beforeAll(async () => void (ws = await testWorkspace()));
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await ws.dispose();
  });

  it('turns the boilerplate into a server whose routes answer over REST and tRPC, with a valid OpenAPI 3 document', async () => {
    const result = await buildBranch(ws.codebase, 1);
    expect(result).toMatchObject({ ok: true, cached: false, diagnostics: [], problems: [] });
    const document = JSON.parse(await readFile(result.openapi!, 'utf8')) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths).sort()).toEqual(['/notes/create-note', '/notes/get-note', '/notes/list-notes']);
    const validation = await validate(structuredClone(document) as never);
    expect(validation).toMatchObject({ valid: true });

    const socket = path.join(ws.root, '..', 'b1.sock');
    children.push(await startServer(result.server!, socket));
    expect(await call(socket, 'GET', '/health')).toMatchObject({ status: 200, json: { ok: true } });
    const created = await call(socket, 'POST', '/notes/create-note', { title: 'First', body: 'hello' });
    expect(created).toMatchObject({
      status: 200,
      json: { title: 'First', body: 'hello', createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) },
    });
    const id = created.json.id as string;
    expect(await call(socket, 'GET', `/notes/get-note?id=${id}`)).toMatchObject({ status: 200, json: { id } });
    expect(await call(socket, 'GET', '/notes/list-notes')).toMatchObject({
      status: 200,
      json: [expect.objectContaining({ id })],
    });
    expect(await call(socket, 'GET', '/notes/get-note?id=missing')).toMatchObject({
      status: 404,
      json: { message: 'note missing was not found' },
    });
    expect(await call(socket, 'POST', '/notes/create-note', { title: '' })).toMatchObject({
      status: 400,
      json: { code: 'BAD_REQUEST' },
    });
    // A JSON body keeps its types: trpc-to-openapi's coercion would have made this title "42".
    expect(await call(socket, 'POST', '/notes/create-note', { title: 42 })).toMatchObject({
      status: 400,
      json: { code: 'BAD_REQUEST' },
    });
    expect(await call(socket, 'POST', '/notes/create-note', { title: 'Second', body: false })).toMatchObject({
      status: 400,
    });
    expect(await call(socket, 'GET', '/trpc/notes.listNotes')).toMatchObject({
      status: 200,
      json: { result: { data: [expect.objectContaining({ id })] } },
    });
    expect(await call(socket, 'GET', '/openapi.json')).toMatchObject({
      status: 200,
      json: { openapi: document.openapi },
    });

    const again = await buildBranch(ws.codebase, 1);
    expect(again).toMatchObject({ ok: true, cached: true, server: result.server });
  });

  it('derives schemas from types, hides a thrown error behind 500, and answers 504 for a function that never returns', async () => {
    const number = (
      await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        parent: 1,
        changes: text({
          'src/features/math/controllers/math.ts': [
            'export function getSum(input: { a: number; b: number; round?: boolean }): { sum: number } {',
            '  return { sum: input.round ? Math.round(input.a + input.b) : input.a + input.b };',
            '}',
            "export function explode(): { ok: boolean } {\n  throw new Error('secret detail');\n}",
            'export function hang(): Promise<{ ok: boolean }> {\n  return new Promise(() => {});\n}',
            '',
          ].join('\n'),
        }),
        author: 'agent',
        message: 'Math',
      })
    ).info.number;
    const result = await buildBranch(ws.codebase, number);
    expect(result.ok).toBe(true);
    const socket = path.join(ws.root, '..', 'b2.sock');
    children.push(await startServer(result.server!, socket, { BRANCHYARD_REQUEST_TIMEOUT_MS: '300' }));
    expect(await call(socket, 'GET', '/math/get-sum?a=1.4&b=2&round=true')).toMatchObject({
      status: 200,
      json: { sum: 3 },
    });
    expect(await call(socket, 'GET', '/math/get-sum?a=x&b=2')).toMatchObject({ status: 400 });
    const exploded = await call(socket, 'POST', '/math/explode');
    expect(exploded).toMatchObject({ status: 500, json: { message: 'internal error' } });
    expect(JSON.stringify(exploded.json)).not.toContain('secret detail');
    expect(await call(socket, 'POST', '/math/hang')).toMatchObject({ status: 504, json: { code: 'TIMEOUT' } });
    // The process lives on for the next request.
    expect(await call(socket, 'GET', '/notes/list-notes')).toMatchObject({ status: 200 });
  });

  it('stops a branch whose function changed and whose validator did not, naming validators/notes.ts (its route would answer 500)', async () => {
    const controller = 'src/features/notes/controllers/notes.ts';
    const number = (
      await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        parent: 1,
        changes: text({
          [controller]: [
            "import { noteById } from '../services/notes-service.ts';",
            'export function getNote(input: { id: string }): { id: string; text: string } {',
            '  const note = noteById(input.id);',
            '  return { id: note.id, text: note.body };',
            '}',
            '',
          ].join('\n'),
        }),
        author: 'agent',
        message: 'getNote returns text',
      })
    ).info.number;
    const result = await buildBranch(ws.codebase, number);
    expect(result).toMatchObject({ ok: false, server: null });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: 'src/features/notes/validators/notes.ts',
        line: 15,
        code: 'BY-VALIDATOR',
        message: expect.stringMatching(/^getNoteOutput does not accept what it returns: notes\.getNote .*"title"/),
      }),
    ]);
  });

  it('stops at type errors and imports outside the stack: diagnostics, no server; the CLI exits 1', async () => {
    const number = (
      await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        parent: 1,
        changes: text({
          'src/features/notes/controllers/extra.ts':
            "import left from 'left-pad';\nexport function getCount(): number {\n  return 'x';\n}\n",
        }),
        author: 'agent',
        message: 'Broken',
      })
    ).info.number;
    const result = await buildBranch(ws.codebase, number);
    expect(result).toMatchObject({ ok: false, server: null, openapi: null });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`)).toEqual([
      'src/features/notes/controllers/extra.ts:1 BY-STACK',
      'src/features/notes/controllers/extra.ts:3 TS2322',
    ]);

    const throwing = (
      await createBranch({
        codebase: ws.codebase,
        logsRepository: ws.logsRepository,
        parent: 1,
        changes: text({
          'src/features/notes/controllers/boom.ts':
            "throw new Error('no config');\nexport function getBoom(): { ok: boolean } {\n  return { ok: true };\n}\n",
        }),
        author: 'agent',
        message: 'Throws while loading',
      })
    ).info.number;
    expect(await buildBranch(ws.codebase, throwing)).toMatchObject({
      ok: false,
      server: null,
      problems: [{ function: '(loading)', message: expect.stringContaining('Error: no config') }],
    });

    const cli = await runBranchyard(['build', 'users', String(number), '--json'], {
      cwd: ws.root,
      env: { BRANCHYARD_DATABASE_URL: '' },
    });
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout)).toMatchObject({
      ok: false,
      diagnostics: [
        expect.objectContaining({ code: 'BY-STACK', message: expect.stringContaining('"left-pad"') }),
        expect.anything(),
      ],
    });
    expect(cli.stderr).toContain('branchyard: the build failed with 2 problems');
    const human = await runBranchyard(['build', 'users', '1'], { cwd: ws.root, env: { BRANCHYARD_DATABASE_URL: '' } });
    expectOk(human);
    expect(human.stdout).toMatch(
      /Built branch 00001 \(cached: same tree as an earlier build\): 3 routes\n {2}GET \/notes\/list-notes\s+notes\.listNotes\n/,
    );
  });
});
