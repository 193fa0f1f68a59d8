// Schemas as a user meets them, through the CLI against `branchyard serve` with real Docker: a
// branch's table checked and applied to the embedded database; the branch, in its container,
// reads and writes that database through the mounted socket; a later branch that would drop a
// column holding data (and read by the running branch) fails its check in the build, and the
// protected production gateway refuses it, saying so. And `db add`/`db list`, and a branch on a
// PostgreSQL database reaching it from its container (no network) through the engine's relay.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import type { CliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { cliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { createBranch, openCodebase } from '../git/index.ts';
import { text } from '../git/fixtures/test-workspace.ts';
import type { ServeHandle } from '../serve/index.ts';
import { startServe } from '../serve/index.ts';
import { tempPostgresDatabase } from '../testing/index.ts';
import { loadWorkspace } from '../workspace/index.ts';

const TABLE = `import { integer, pgTable, text } from 'drizzle-orm/pg-core';

export const people = pgTable('people', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email'),
});
`;

const controller = (withEmail: boolean) => `import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { people } from '../../../schema/models/people.ts';

const db = drizzle(new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 }));

export async function listPeople(): Promise<Array<{ id: number; name: string${withEmail ? '; email: string | null' : ''} }>> {
  return db.select({ id: people.id, name: people.name${withEmail ? ', email: people.email' : ''} }).from(people).orderBy(people.id);
}

export async function addPerson(input: { id: number; name: string; email?: string }): Promise<{ ok: boolean }> {
  await db.insert(people).values(input);
  return { ok: true };
}
`;

describe('schemas through the CLI and a running branch', () => {
  let fixture: CliWorkspace;
  let serve: ServeHandle;
  let postgres: Awaited<ReturnType<typeof tempPostgresDatabase>>;
  const events = createEventBus();
  const cli = (args: string[], env?: NodeJS.ProcessEnv) => fixture.cli(args, { timeoutMs: 120_000, env });
  const post = (route: string, body: unknown) =>
    fixture.get('development', `/people/${route}`, {
      extra: ['-X', 'POST', '-H', 'content-type: application/json', '--data-binary', JSON.stringify(body)],
    });

  beforeAll(async () => {
    fixture = await cliWorkspace();
    const workspace = await loadWorkspace(fixture.ws);
    const codebase = await openCodebase(workspace.paths, 'users');
    await createBranch({
      codebase,
      logsRepository: workspace.manifest.logsRepository,
      changes: text({
        'src/schema/models/people.ts': TABLE,
        'src/features/people/controllers/people.ts': controller(true),
      }),
      author: 'user',
      message: 'People table',
    });
    postgres = await tempPostgresDatabase();
    serve = await startServe({
      workspaceRoot: fixture.ws,
      events,
      env: { BRANCHYARD_RUNTIME: 'docker', SHOP_DATABASE_URL: postgres.url },
      port: 0,
    });
  }, 240_000);
  afterAll(async () => {
    await serve?.dispose();
    await fixture?.dispose();
    await postgres?.dispose();
  });

  it('checks and applies a new table, and the branch in its container uses it over the socket', async () => {
    const checked = await cli(['schema', 'check', 'users', '2']);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('Schema of users 00002 on db-001: passed');
    expect(checked.stdout).toContain('CREATE TABLE "people"');

    const applied = await cli(['schema', 'apply', 'users', '2']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Applied 0000_users_00002 to db-001 (1 statements).');

    // Promotion starts it (through serve) and routes development to it before answering.
    const promoted = await cli(['promote', 'users', '2', '--to', 'development']);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect((await post('add-person', { id: 1, name: 'Grace Hopper', email: 'grace@example.test' })).status).toBe(200);
    expect((await post('add-person', { id: 2, name: 'Edsger Dijkstra' })).status).toBe(200);
    const listed = await fixture.get('development', '/people/list-people');
    expect(listed.status, listed.body).toBe(200);
    expect(JSON.parse(listed.body)).toEqual([
      { id: 1, name: 'Grace Hopper', email: 'grace@example.test' },
      { id: 2, name: 'Edsger Dijkstra', email: null },
    ]);
  }, 240_000);

  it('fails the build-time check of a branch dropping a column with data that the running branch reads, and production refuses it', async () => {
    const workspace = await loadWorkspace(fixture.ws);
    await createBranch({
      codebase: await openCodebase(workspace.paths, 'users'),
      logsRepository: workspace.manifest.logsRepository,
      parent: 2,
      changes: text({
        'src/schema/models/people.ts': TABLE.replace("  email: text('email'),\n", ''),
        'src/features/people/controllers/people.ts': controller(false),
      }),
      author: 'user',
      message: 'People without email',
    });
    const built = await cli(['build', 'users', '3']);
    expect(built.code, built.stderr).toBe(0);
    const report = await readFile(
      path.join(fixture.ws, 'codebases', 'users', 'metadata', 'branches', '00003', 'schema-check.md'),
      'utf8',
    );
    expect(report).toContain('**failed**');
    expect(report).toMatch(
      /data-loss\*\* `db-001: people\.email \(databases\/db-001\/schema\/people\.ts:3\)`: drops column people\.email, which holds values in 1 row/,
    );
    expect(report).toMatch(
      /incompatible\*\* `users 00002 src\/features\/people\/controllers\/people\.ts:8:\d+` \(users 00002\)/,
    );

    const again = await cli(['schema', 'check', 'users', '3']);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('Branches checked: users 00002 (served by development, running)');

    const promoted = await cli(['promote', 'users', '3', '--to', 'production']);
    expect(promoted.code).not.toBe(0);
    expect(promoted.stderr).toMatch(/production is protected .*schema failed \(2 problems; see schema-check\.md\)/);
    const applied = await cli(['schema', 'apply', 'users', '3']);
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toContain('the schema check of users 00003 failed, so its change was not applied');
    // Nothing was applied: the running branch still reads email.
    expect(JSON.parse((await fixture.get('development', '/people/list-people')).body)).toContainEqual({
      id: 1,
      name: 'Grace Hopper',
      email: 'grace@example.test',
    });
  }, 240_000);

  it('adds databases by the variable holding their URL, never the URL itself', async () => {
    const refused = await cli(['db', 'add', '--postgres', 'postgres://shop:hunter2@127.0.0.1/shop']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--postgres takes the name of an environment variable');
    const added = await cli(['db', 'add', '--postgres', 'SHOP_DATABASE_URL']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Added db-002 (postgres)');
    expect(JSON.parse(await readFile(path.join(fixture.ws, 'databases', 'db-002', 'config.json'), 'utf8'))).toEqual({
      engine: 'postgres',
      urlEnv: 'SHOP_DATABASE_URL',
    });
    const listed = await cli(['db', 'list']);
    expect(listed.stdout).toContain('db-001  embedded');
    expect(listed.stdout).toContain('db-002  postgres (URL in $SHOP_DATABASE_URL)');
  }, 120_000);

  it('runs a branch on the PostgreSQL database: its container reaches the server through the engine, which logs in for it', async () => {
    const workspace = await loadWorkspace(fixture.ws);
    const made = await createBranch({
      codebase: await openCodebase(workspace.paths, 'users'),
      logsRepository: workspace.manifest.logsRepository,
      changes: text({
        'src/config/db-config.ts':
          "import { env } from './env.ts';\n\nexport const dbConfig = { database: 'db-002', url: env.databaseUrl } as const;\n",
        'src/schema/models/people.ts': TABLE,
        'src/features/people/controllers/people.ts': controller(true),
      }),
      author: 'user',
      message: 'People on the shop database',
    });
    const branch = String(made.info.number);
    const applied = await cli(['schema', 'apply', 'users', branch]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('to db-002');

    const promoted = await cli(['promote', 'users', branch, '--to', 'development']);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect((await post('add-person', { id: 7, name: 'Barbara Liskov' })).status).toBe(200);
    expect(JSON.parse((await fixture.get('development', '/people/list-people')).body)).toEqual([
      { id: 7, name: 'Barbara Liskov', email: null },
    ]);
    // The row is in the PostgreSQL server's database, and the process entry holds no password.
    const { default: pg } = await import('pg');
    const direct = new pg.Client({ connectionString: postgres.url });
    await direct.connect();
    try {
      expect((await direct.query('SELECT name FROM people')).rows).toEqual([{ name: 'Barbara Liskov' }]);
    } finally {
      await direct.end();
    }
    const entry = await readFile(
      path.join(fixture.ws, '.branchyard', 'run', 'users', 'pm2', `users-${branch.padStart(5, '0')}.json`),
      'utf8',
    );
    expect(entry).toContain('host=%2Fdatabases%2Fdb-002');
    const server = new URL(postgres.url);
    expect(entry).not.toContain(`:${server.password}@`);
    expect(entry).not.toContain(server.host);
  }, 240_000);
});
