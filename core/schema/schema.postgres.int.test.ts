// The schema check and apply on a real PostgreSQL server: the dry-run on a database made from
// the real one as a template, the rolled-back transaction when others are connected, and a
// database that cannot be reached.
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempPostgresDatabase } from '../testing/index.ts';
import type { SchemaWorkspace } from './fixtures/schema-workspace.ts';
import { schemaWorkspace, usersTable, withUsersTable } from './fixtures/schema-workspace.ts';

let ws: SchemaWorkspace;
let database: { url: string; dispose: () => Promise<void> };
const sql = async <T>(query: string, params?: unknown[]) => {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(query, params)).rows as T[];
  } finally {
    await client.end();
  }
};

beforeEach(async () => {
  database = await tempPostgresDatabase();
  ws = await schemaWorkspace({
    SHOP_DATABASE_URL: database.url,
    DOWN_DATABASE_URL: 'postgres://branchyard:secret-word@127.0.0.1:1/nothing',
  });
  await ws.setDatabase({ engine: 'postgres', urlEnv: 'SHOP_DATABASE_URL' });
  await withUsersTable(ws, sql);
}, 120_000);
afterEach(async () => {
  await ws.dispose();
  await database.dispose();
});

describe('schema check on PostgreSQL', () => {
  it('dry-runs an additive change on a copy made from the database as a template, and applies it', async () => {
    const branch = await ws.propose(usersTable({ column: null, line: "nickname: text('nickname')," }));
    const { report } = await ws.check(branch);
    expect(report).toMatchObject({
      status: 'passed',
      dryRun: 'copy',
      statements: ['ALTER TABLE "users" ADD COLUMN "nickname" text;'],
    });
    // The copy is dropped afterwards.
    expect(await sql("SELECT datname FROM pg_database WHERE datname LIKE 'branchyard_dryrun_%'")).toEqual([]);
    await ws.apply(branch);
    expect(
      await sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'",
      ),
    ).toEqual([{ column_name: 'nickname' }]);
    expect(await sql<{ n: string }>('SELECT count(*) AS n FROM drizzle.__drizzle_migrations')).toEqual([{ n: '2' }]);
  }, 120_000);

  it('blocks data loss, trying the migration in a rolled-back transaction while others are connected', async () => {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      const dropsBio = await ws.propose(usersTable({ column: 'bio', line: '' }));
      const { report } = await ws.check(dropsBio);
      expect(report.dryRun).toBe('rolled-back transaction');
      expect(report.problems).toEqual([
        expect.objectContaining({
          kind: 'data-loss',
          message: expect.stringMatching(/drops column users\.bio, which holds values in 1 row/),
        }),
      ]);

      const notNull = await ws.propose(usersTable({ column: null, line: "age: integer('age').notNull()," }));
      // Found before the migration is tried, and then the migration fails on the rows as well.
      expect((await ws.check(notNull)).report.problems).toEqual([
        expect.objectContaining({ kind: 'data-loss', message: expect.stringMatching(/NOT NULL with no default/) }),
        expect.objectContaining({
          kind: 'migration',
          message: expect.stringMatching(/fails on the data: column "age" of relation "users" contains null values/),
        }),
      ]);
    } finally {
      await other.end();
    }
    // Nothing the dry-runs did stayed.
    expect(
      (
        await sql<{ column_name: string }>(
          "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position",
        )
      ).map((r) => r.column_name),
    ).toEqual(['id', 'name', 'email', 'bio']);
  }, 120_000);

  it('reports a database that cannot be reached, naming it without its password', async () => {
    await ws.setDatabase({ engine: 'postgres', urlEnv: 'DOWN_DATABASE_URL' });
    const branch = await ws.propose(usersTable({ column: null, line: "nickname: text('nickname')," }));
    const { report } = await ws.check(branch);
    expect(report.status).toBe('failed');
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: 'database',
        place: 'db-001',
        message: expect.stringMatching(
          /cannot reach database db-001 at postgres:\/\/branchyard:\*\*\*@127\.0\.0\.1:1\/nothing .*DOWN_DATABASE_URL/,
        ),
      }),
    ]);
    expect(JSON.stringify(report)).not.toContain('secret-word');
  }, 120_000);
});
