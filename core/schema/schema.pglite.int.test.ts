// The schema check and apply on the embedded database (real PGlite), with real git branches
// and real type-checks of the live branch.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readBranchInfo } from '../git/index.ts';
import type { SchemaWorkspace, UsersTableTemplate } from './fixtures/schema-workspace.ts';
import { USERS_TABLE, usersTable, usersTableTemplate } from './fixtures/schema-workspace.ts';

// The users table is applied once; each test works on its own copy of that workspace.
let template: UsersTableTemplate;
let ws: SchemaWorkspace;
beforeAll(async () => void (template = await usersTableTemplate()), 120_000);
afterAll(async () => template?.dispose());
beforeEach(async () => void (ws = await template.copy()), 120_000);
afterEach(async () => ws.dispose());

const branchFile = (branch: number, file: string) =>
  path.join(ws.paths.codebase('users'), 'metadata', 'branches', String(branch).padStart(5, '0'), file);

describe('schema check on PGlite', () => {
  it('passes an additive change (a new nullable column), checking the live branch and dry-running on a copy', async () => {
    const branch = await ws.propose(usersTable({ column: null, line: "nickname: text('nickname')," }));
    const { report } = await ws.check(branch);
    expect(report.status).toBe('passed');
    expect(report.statements).toEqual(['ALTER TABLE "users" ADD COLUMN "nickname" text;']);
    expect(report.dryRun).toBe('copy');
    expect(report.branches).toContainEqual(
      expect.objectContaining({ codebase: 'users', branch: ws.reader, problems: 0 }),
    );
    // The dry-run ran on a copy: the real table has no such column.
    expect(
      await ws.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'",
      ),
    ).toEqual([]);
    const saved = JSON.parse(await readFile(branchFile(branch, 'schema-check.json'), 'utf8')) as { status: string };
    expect(saved.status).toBe('passed');
    expect(await readFile(branchFile(branch, 'schema-check.md'), 'utf8')).toContain('ADD COLUMN "nickname"');
    expect((await readBranchInfo(ws.codebase, branch)).checks.schema?.status).toBe('passed');
  }, 120_000);

  it('blocks dropping a column a live branch reads, naming both branches', async () => {
    const branch = await ws.propose(usersTable({ column: 'email', line: '' }));
    const { report } = await ws.check(branch);
    expect(report.status).toBe('failed');
    expect(report.codebase).toBe('users');
    expect(report.branch).toBe(branch);
    const incompatible = report.problems.filter((p) => p.kind === 'incompatible');
    expect(incompatible).toHaveLength(1);
    expect(incompatible[0]!.branch).toEqual({ codebase: 'users', branch: ws.reader });
    expect(incompatible[0]!.place).toMatch(/^users \d{5} src\/features\/users\/queries\/users-queries\.ts:4:\d+$/);
    expect(incompatible[0]!.message).toMatch(/email/);
    // email holds a value in one row: that is data lost as well.
    expect(report.problems).toContainEqual(
      expect.objectContaining({
        kind: 'data-loss',
        message: expect.stringMatching(/drops column users\.email, which holds values in 1 row/),
      }),
    );
    const info = await readBranchInfo(ws.codebase, branch);
    expect(info.checks.schema).toMatchObject({ status: 'failed' });
    expect(await readFile(branchFile(branch, 'schema-check.md'), 'utf8')).toContain(
      `users ${String(ws.reader).padStart(5, '0')}`,
    );
  }, 120_000);

  it('blocks dropping a column that holds data even when no branch reads it', async () => {
    const branch = await ws.propose(usersTable({ column: 'bio', line: '' }));
    const { report } = await ws.check(branch);
    expect(report.status).toBe('failed');
    expect(report.problems.filter((p) => p.kind === 'incompatible')).toEqual([]);
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: 'data-loss',
        place: expect.stringMatching(/^db-001: users\.bio \(databases\/db-001\/schema\/users\.ts:3\)$/),
      }),
    ]);
  }, 120_000);

  it('passes dropping a column that holds no data and that no branch reads', async () => {
    await ws.sql('UPDATE users SET bio = NULL');
    const branch = await ws.propose(usersTable({ column: 'bio', line: '' }));
    expect((await ws.check(branch)).report).toMatchObject({
      status: 'passed',
      statements: ['ALTER TABLE "users" DROP COLUMN "bio";'],
    });
  }, 120_000);

  it('blocks NOT NULL without a default on a table with rows, and a type the rows do not fit', async () => {
    const notNull = await ws.propose(usersTable({ column: null, line: "age: integer('age').notNull()," }));
    const first = (await ws.check(notNull)).report;
    expect(first.status).toBe('failed');
    expect(first.problems[0]).toMatchObject({
      kind: 'data-loss',
      place: expect.stringContaining('users.age (src/schema/models/users.ts:3)'),
      message: expect.stringMatching(/NOT NULL with no default, but the table holds 2 rows/),
    });

    const narrower = await ws.propose(
      USERS_TABLE.replace('import { integer, pgTable, text }', 'import { integer, pgTable, text, varchar }').replace(
        "name: text('name').notNull()",
        "name: varchar('name', { length: 4 }).notNull()",
      ),
    );
    const second = (await ws.check(narrower)).report;
    expect(second.status).toBe('failed');
    expect(second.problems).toContainEqual(
      expect.objectContaining({
        kind: 'data-loss',
        message: expect.stringMatching(/from text to varchar\(4\): 2 stored values would not survive/),
      }),
    );
  }, 120_000);

  it('reports a schema file that does not compile with its file and line, and an import outside drizzle-orm', async () => {
    const broken = await ws.propose(USERS_TABLE.replace("email: text('email'),", "email: text('email').notAThing(),"));
    const report = (await ws.check(broken)).report;
    expect(report.status).toBe('failed');
    expect(report.problems[0]).toMatchObject({
      kind: 'compile',
      place: expect.stringMatching(/^src\/schema\/models\/users\.ts:6:\d+$/),
      message: expect.stringContaining('notAThing'),
    });

    const foreign = await ws.propose(`import { z } from 'zod';\n${USERS_TABLE}export const shape = z.string();\n`);
    const second = (await ws.check(foreign)).report;
    expect(second.problems[0]).toMatchObject({
      kind: 'compile',
      message: expect.stringContaining('may import only drizzle-orm'),
    });
  }, 120_000);

  it('applies a change that passed: migration written and applied, shared schema replaced, other branches flagged', async () => {
    const behindEvents: unknown[] = [];
    ws.events.on('schema.behind', (e) => behindEvents.push(e));
    const branch = await ws.propose(usersTable({ column: null, line: "nickname: text('nickname')," }));
    const applied = await ws.apply(branch);
    expect(applied.migration).toBe(`0001_users_${String(branch).padStart(5, '0')}`);
    expect(
      await ws.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'",
      ),
    ).toEqual([{ column_name: 'nickname' }]);
    const migrations = path.join(ws.paths.databasesDir, 'db-001', 'migrations');
    expect(await readFile(path.join(migrations, `${applied.migration}.sql`), 'utf8')).toContain(
      'ADD COLUMN "nickname"',
    );
    const journal = JSON.parse(await readFile(path.join(migrations, 'meta', '_journal.json'), 'utf8')) as {
      entries: Array<{ tag: string }>;
    };
    expect(journal.entries.map((e) => e.tag)).toEqual([expect.stringMatching(/^0000_users_/), applied.migration]);
    expect(await readFile(path.join(ws.paths.databasesDir, 'db-001', 'schema', 'users.ts'), 'utf8')).toContain(
      'nickname',
    );

    expect(applied.behind.users).toContain(ws.reader);
    expect((await readBranchInfo(ws.codebase, ws.reader)).schemaBehind).toMatchObject({
      database: 'db-001',
      migration: applied.migration,
    });
    expect((await readBranchInfo(ws.codebase, branch)).schemaBehind).toBeUndefined();
    expect(behindEvents).toContainEqual(
      expect.objectContaining({ database: 'db-001', codebase: 'users', branches: expect.arrayContaining([ws.reader]) }),
    );
    // Applying the same branch again has nothing to do.
    expect((await ws.apply(branch)).migration).toBeNull();
  }, 120_000);

  it('checks a second, conflicting proposal against the first once applied', async () => {
    const first = await ws.propose(usersTable({ column: null, line: "nickname: text('nickname')," }));
    const second = await ws.propose(usersTable({ column: null, line: "age: integer('age')," }));
    expect((await ws.check(second)).report.status).toBe('passed');
    await ws.apply(first);
    await ws.sql("UPDATE users SET nickname = 'Ada' WHERE id = 1");
    const report = (await ws.check(second)).report;
    expect(report.status).toBe('failed');
    expect(report.statements).toContain('ALTER TABLE "users" DROP COLUMN "nickname";');
    expect(report.problems).toContainEqual(
      expect.objectContaining({ kind: 'data-loss', message: expect.stringMatching(/drops column users\.nickname/) }),
    );
    await expect(ws.apply(second)).rejects.toThrow(/schema check of users \d{5} failed, so its change was not applied/);
  }, 120_000);

  it('rolls back a migration that fails half-way on the real database, leaving no files behind', async () => {
    // Passes on the copy; a duplicate written to the real table between the check and the
    // migration makes its second statement fail there.
    const branch = await ws.propose(
      usersTable({ column: null, line: "nickname: text('nickname').unique()," }).replace(
        "email: text('email'),",
        "email: text('email').unique(),",
      ),
    );
    const migrations = path.join(ws.paths.databasesDir, 'db-001', 'migrations');
    const journalBefore = await readFile(path.join(migrations, 'meta', '_journal.json'), 'utf8');
    ws.events.on('schema.checked', () => void ws.sql("UPDATE users SET email = 'ada@example.test' WHERE id = 2"));
    await expect(ws.apply(branch)).rejects.toThrow(/failed on db-001 and was rolled back; nothing was applied/);
    expect(
      await ws.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'",
      ),
    ).toEqual([]);
    expect(await readFile(path.join(migrations, 'meta', '_journal.json'), 'utf8')).toBe(journalBefore);
    await expect(stat(path.join(migrations, `0001_users_${String(branch).padStart(5, '0')}.sql`))).rejects.toThrow(
      /ENOENT/,
    );
    expect(await readFile(path.join(ws.paths.databasesDir, 'db-001', 'schema', 'users.ts'), 'utf8')).toBe(USERS_TABLE);
  }, 120_000);
});
