// Helpers for tests only: throw-away folders and databases on the real components. A test that
// needs a component this machine lacks fails with a message naming it; it never passes silently.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export async function tempDir(prefix = 'branchyard-test-'): Promise<{ path: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** The PostgreSQL server the tests use; scripts/test.sh installs, starts and prepares it. */
export const TEST_PG_URL = process.env.BRANCHYARD_TEST_PG_URL ?? 'postgres://branchyard:branchyard@127.0.0.1:5432/postgres';

/** A fresh database on the test server, dropped on dispose. */
export async function tempPostgresDatabase(): Promise<{ url: string; dispose: () => Promise<void> }> {
  const name = `branchyard_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `these tests need a PostgreSQL server at ${TEST_PG_URL.replace(/:[^:@/]+@/, ':***@')} (${(error as Error).message}); run ./scripts/test.sh as root to install and start it, or set BRANCHYARD_TEST_PG_URL`,
    );
  }
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dispose: async () => {
      const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
