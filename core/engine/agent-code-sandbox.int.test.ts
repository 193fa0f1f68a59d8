// The engine runs the agent's code only in its sandbox: a build loads the branch's server to read
// its OpenAPI document, and the schema check has drizzle-kit load the branch's schema; both run
// the agent's modules. A module that writes a file on the host and calls a server on the host
// when loaded does neither, and the work still succeeds; one that throws while loading is refused
// with what it threw. Real git, real Docker, the CLI's engine.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBranch } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import { escapingModule } from './fixtures/escaping-module.ts';
import { runBranchyard } from '../testing/index.ts';

let ws: TestWorkspace;
let calls = 0;
let listener: http.Server;
beforeAll(async () => {
  ws = await testWorkspace();
  listener = http.createServer((_request, response) => {
    calls += 1;
    response.end('reached');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
  await ws.dispose();
});

async function branch(files: Record<string, string>): Promise<number> {
  const made = await createBranch({
    codebase: ws.codebase,
    logsRepository: ws.logsRepository,
    parent: 1,
    changes: text(files),
    author: 'agent',
    message: 'A module that does things when loaded',
  });
  return made.info.number;
}

const build = (number: number) =>
  runBranchyard(['build', 'users', String(number), '--json'], {
    cwd: ws.root,
    env: { BRANCHYARD_DATABASE_URL: '' },
    timeoutMs: 170_000,
  });

describe("the agent's code run by the engine", () => {
  it('runs the branch modules in the sandbox: no file written on the host, no call to the host', async () => {
    const planted = path.join(path.dirname(ws.root), 'written-by-the-branch');
    const port = (listener.address() as AddressInfo).port;
    const number = await branch(escapingModule(planted, port));
    const run = await build(number);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: true,
      routes: expect.arrayContaining([expect.objectContaining({ path: '/notes/get-escape' })]),
    });
    await expect(access(planted)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(calls).toBe(0);
  });

  it("reads a branch's schema with drizzle-kit in the sandbox: no file written on the host, no call to the host", async () => {
    const planted = path.join(path.dirname(ws.root), 'written-by-the-schema');
    const port = (listener.address() as AddressInfo).port;
    const number = await branch({
      'src/schema/models/people.ts': [
        "import { integer, pgTable, text } from 'drizzle-orm/pg-core';",
        '',
        '// A schema may import only drizzle-orm, but Node hands out its modules to any code that asks.',
        'try {',
        "  (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') })",
        `    .getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(planted)}, 'ran on the host');`,
        '} catch {',
        '  // not there in a sandbox',
        '}',
        `await fetch('http://127.0.0.1:${port}/').catch(() => undefined);`,
        '',
        "export const people = pgTable('people', {",
        "  id: integer('id').primaryKey(),",
        "  name: text('name').notNull(),",
        '});',
        '',
      ].join('\n'),
    });
    const run = await runBranchyard(['schema', 'check', 'users', String(number)], {
      cwd: ws.root,
      env: { BRANCHYARD_DATABASE_URL: '' },
      timeoutMs: 170_000,
    });
    expect(run.stdout, run.stderr).toContain(`Schema of users ${String(number).padStart(5, '0')} on db-001: passed`);
    expect(run.stdout).toContain('CREATE TABLE "people"');
    await expect(access(planted)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(calls).toBe(0);
  });

  it('refuses a branch whose module throws while loading, saying what it threw', async () => {
    const number = await branch({
      'src/features/notes/controllers/boom.ts':
        "throw new Error('no config in the sandbox');\nexport function getBoom(): { ok: boolean } {\n  return { ok: true };\n}\n",
    });
    const run = await build(number);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      problems: [{ function: '(loading)', message: expect.stringContaining('Error: no config in the sandbox') }],
    });
  });
});
