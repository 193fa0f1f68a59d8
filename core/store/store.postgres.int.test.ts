import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, tempDir, tempPostgresDatabase } from '../testing/index.ts';
import { listCodebases, openStore } from './index.ts';
import { describeStoreContract } from './store.contract.ts';
import { olderMigrationsFolder, migrationCount } from './fixtures/old-migrations.ts';

describeStoreContract('PostgreSQL', async () => {
  const database = await tempPostgresDatabase();
  const dir = await tempDir();
  return {
    open: () => openStore({ stateDir: dir.path, databaseUrl: database.url }),
    async writeWithOlderSchema(seed) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await migrate(drizzle({ client }), {
        migrationsFolder: await olderMigrationsFolder(path.join(dir.path, 'old-migrations'), 1),
      });
      for (const statement of seed) await client.query(statement);
      await client.end();
    },
    dispose: async () => {
      await database.dispose();
      await dir.dispose();
    },
  };
});

describe('engine state on a PostgreSQL server', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('a URL pointing at nothing fails at once with the URL named and its password hidden', async () => {
    const closed = await freePort();
    const url = `postgres://someone:s3cret@127.0.0.1:${closed}/state`;
    const error = await openStore({ stateDir: '/nonexistent', databaseUrl: url }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'StoreConnectionError' });
    expect(String((error as Error).message)).toContain(
      `cannot reach PostgreSQL at postgres://someone:***@127.0.0.1:${closed}/state (connect ECONNREFUSED`,
    );
    expect(String((error as Error).message)).not.toContain('s3cret');
  });

  it('a server that accepts but never answers fails after the timeout instead of hanging', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const sockets = new Set<net.Socket>();
    silent.on('connection', (s) => sockets.add(s));
    cleanup.push(() => new Promise((resolve) => (sockets.forEach((s) => s.destroy()), silent.close(resolve))));
    const port = (silent.address() as net.AddressInfo).port;
    await expect(
      openStore({ stateDir: '/nonexistent', databaseUrl: `postgres://x@127.0.0.1:${port}/db`, connectTimeoutMs: 800 }),
    ).rejects.toMatchObject({
      kind: 'StoreConnectionError',
      message: expect.stringContaining('(no answer within 0.8 s)'),
    });
  });

  it('two engines starting at once on a new database migrate it once and both work', async () => {
    const database = await tempPostgresDatabase();
    cleanup.push(database.dispose);
    const [a, b] = await Promise.all([
      openStore({ stateDir: '', databaseUrl: database.url }),
      openStore({ stateDir: '', databaseUrl: database.url }),
    ]);
    cleanup.push(
      () => a.close(),
      () => b.close(),
    );
    expect(await listCodebases(a.db)).toEqual([]);
    const applied = (await a.db.execute('select count(*)::int as n from drizzle.__drizzle_migrations')) as unknown as {
      rows: Array<{ n: number }>;
    };
    expect(applied.rows[0]?.n).toBe(await migrationCount());
  });
});
