// Opens the engine state: embedded PGlite under the workspace's .branchyard/state/ by default,
// or a PostgreSQL server when BRANCHYARD_DATABASE_URL is set. Either way the schema is brought
// up to date before anything else touches it, so state written by an older version migrates.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { BranchyardError, describeError } from '../errors/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import * as schema from './schema.ts';
import type { LockOwner } from '../locks/index.ts';
import { acquireFileLock } from '../locks/index.ts';
import { IdlePglite } from './idle-pglite.ts';
import { openPgliteFolder } from './pglite.ts';

export type StateDb = PgDatabase<PgQueryResultHKT, typeof schema>;
export type StoreKind = 'pglite' | 'postgres';

export interface Store extends Disposable {
  readonly kind: StoreKind;
  /** Where the state lives, safe to show: a directory, or a URL with its password hidden. */
  readonly location: string;
  readonly db: StateDb;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
export const DATABASE_URL_ENV = 'BRANCHYARD_DATABASE_URL';

export interface OpenStoreOptions {
  /** The workspace's `.branchyard/state` directory, used when no database URL is given. */
  stateDir: string;
  /** A PostgreSQL URL; defaults to BRANCHYARD_DATABASE_URL. */
  databaseUrl?: string | undefined;
  /** How long to wait for a PostgreSQL server before giving up. */
  connectTimeoutMs?: number;
  /**
   * The embedded state has one holder at a time: how long to wait for another (a command of
   * the same workspace, started at the same moment) before refusing, and whom to tell. 0 (the
   * default, for `serve`) refuses at once.
   */
  wait?: { ms: number; purpose: string; onWait: (holder: LockOwner) => void };
  /**
   * The embedded state is closed after this long without a query, and opened again by the next
   * (serve, idle, then holds no PGlite memory); by default it stays open.
   */
  idleCloseMs?: number;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.databaseUrl ?? process.env[DATABASE_URL_ENV];
  return url
    ? openPostgres(url, options.connectTimeoutMs ?? 5000)
    : openPglite(options.stateDir, options.wait, options.idleCloseMs);
}

/** The PGlite data directory inside a state directory. */
export function pgliteDataDir(stateDir: string): string {
  return path.join(stateDir, 'pgdata');
}

async function openPglite(
  stateDir: string,
  wait: OpenStoreOptions['wait'],
  idleCloseMs: number | undefined,
): Promise<Store> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const lock = await acquireFileLock(path.join(stateDir, 'engine.lock'), {
    what: `engine state ${stateDir}`,
    ...(wait ? { waitMs: wait.ms, purpose: wait.purpose, onWait: wait.onWait } : {}),
    errorKind: 'StoreInUseError',
    hint: 'stop that engine first (or point this one at a PostgreSQL server with BRANCHYARD_DATABASE_URL)',
  });
  let client: PGlite | IdlePglite | undefined;
  try {
    const open = () => openPgliteFolder(pgliteDataDir(stateDir));
    client = idleCloseMs === undefined ? await open() : new IdlePglite(open, idleCloseMs);
    // drizzle calls only query, exec and transaction of its client, all of which IdlePglite has.
    const db = drizzlePglite({ client: client as PGlite, schema });
    await migrateOrExplain(() => migratePglite(db, { migrationsFolder: MIGRATIONS_DIR }), stateDir);
    const opened = client;
    const close = once(async () => {
      try {
        await opened.close();
      } finally {
        await lock.dispose();
      }
    });
    return { kind: 'pglite', location: stateDir, db: db as unknown as StateDb, close, dispose: close };
  } catch (error) {
    await client?.close().catch(() => undefined);
    await lock.dispose();
    throw error;
  }
}

async function openPostgres(url: string, connectTimeoutMs: number): Promise<Store> {
  const location = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, max: 10 });
  // An idle client that loses its server emits here; without a listener it would crash the engine.
  pool.on('error', (error) => console.error(`engine state ${location}: ${error.message}`));
  try {
    const client = await pool.connect().catch((error: unknown) => {
      throw new BranchyardError(
        'StoreConnectionError',
        `cannot reach PostgreSQL at ${location} (${describeConnectError(error, connectTimeoutMs)}); check ${DATABASE_URL_ENV} or unset it to use the embedded database`,
        { cause: error },
      );
    });
    try {
      // Two engines starting at once must not both run the same migration.
      await client.query('select pg_advisory_lock(hashtext($1))', ['branchyard.migrate']);
      await migrateOrExplain(
        () => migratePg(drizzlePg({ client, schema }), { migrationsFolder: MIGRATIONS_DIR }),
        location,
      );
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', ['branchyard.migrate']).catch(() => undefined);
      client.release();
    }
    const db = drizzlePg({ client: pool, schema });
    const close = once(() => pool.end());
    return { kind: 'postgres', location, db: db as unknown as StateDb, close, dispose: close };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}

async function migrateOrExplain(run: () => Promise<void>, where: string): Promise<void> {
  try {
    await run();
  } catch (error) {
    throw new BranchyardError(
      'StoreMigrationError',
      `cannot bring the engine state at ${where} up to date: ${describeError(error)}`,
      { cause: error },
    );
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparseable URL)';
  }
}

/** Why a PostgreSQL connection failed, in a few words (a timeout as the wait it was). */
export function describeConnectError(error: unknown, timeoutMs: number): string {
  const message = describeError(error);
  if (/timeout/i.test(message)) return `no answer within ${timeoutMs / 1000} s`;
  return message || (error as { code?: string }).code || 'connection failed';
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}
