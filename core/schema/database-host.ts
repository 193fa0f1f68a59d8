// The workspace's databases (`databases/db-<NNN>/`), opened for the engine: the embedded ones
// as PGlite under `.branchyard/databases/<name>/` (one engine at a time, by lock) and served over
// the wire protocol on a unix socket that branch containers mount; the PostgreSQL ones by the
// URL in the environment variable their config names, never written to the workspace, and
// relayed to branch containers through a socket of the same kind, the engine logging in for them.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { BranchyardError, describeError } from '../errors/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { acquireFileLock } from '../locks/index.ts';
import { describeConnectError, openPgliteFolder, redactUrl } from '../store/index.ts';
import type { DatabaseConfig, WorkspacePaths } from '../workspace/index.ts';
import { databaseSchema, readConfigFile, WorkspaceConfigError } from '../workspace/index.ts';
import type { WireServer } from '../pgwire/index.ts';
import { relayToPostgres, serveOverWire } from '../pgwire/index.ts';

/** One connection's worth of SQL: what checks, dry-runs and migrations need. */
export interface SqlSession {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export type DryRunKind = 'copy' | 'rolled-back transaction';

export interface OpenDatabase {
  readonly name: string;
  readonly engine: DatabaseConfig['engine'];
  /** Where it lives, safe to show (a folder, or a URL with its password hidden). */
  readonly location: string;
  /** The folder of the socket (`.s.PGSQL.5432`) branch processes reach the database by, when served. */
  readonly socketDir: string | null;
  session<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * Work on a throw-away copy of the database with its data: a PGlite clone, or a PostgreSQL
   * database made from this one as its template. PostgreSQL copies a template only while no one
   * else is connected to it; when others are (live branches), the work runs instead in a
   * transaction on the database itself that is always rolled back, with short lock waits.
   */
  dryRun<T>(work: (session: SqlSession, kind: DryRunKind) => Promise<T>): Promise<T>;
  /** Applies the pending migrations of a drizzle-kit folder, all in one transaction. */
  migrate(migrationsFolder: string): Promise<void>;
}

export interface DatabaseHostOptions {
  paths: WorkspacePaths;
  env: NodeJS.ProcessEnv;
  /** Serve the embedded databases on their unix sockets (the live engine does). */
  serve?: boolean;
  connectTimeoutMs?: number;
}

export class DatabaseHost implements Disposable {
  private readonly opened = new Map<string, { config: string; opening: Promise<OpenDatabase & Disposable> }>();

  constructor(private readonly options: DatabaseHostOptions) {}

  /**
   * Opens a database on first use; later calls share it. Its config is read each time, so a
   * config.json edited while the engine runs is followed: the database is opened again from it.
   */
  async get(name: string): Promise<OpenDatabase> {
    const settings = await readDatabaseConfig(this.options.paths, name);
    const config = JSON.stringify(settings);
    const current = this.opened.get(name);
    if (current?.config === config) return current.opening;
    if (current) {
      this.opened.delete(name);
      await (await current.opening.catch(() => undefined))?.dispose();
    }
    const opening =
      settings.engine === 'embedded'
        ? openEmbedded(name, this.options)
        : openPostgres(name, settings.urlEnv, this.options);
    this.opened.set(name, { config, opening });
    opening.catch(() => {
      if (this.opened.get(name)?.opening === opening) this.opened.delete(name);
    });
    return opening;
  }

  async dispose(): Promise<void> {
    const all = [...this.opened.values()];
    this.opened.clear();
    for (const { opening } of all) await (await opening.catch(() => undefined))?.dispose();
  }
}

/** A database's config.json, read afresh (a database added since is found). */
async function readDatabaseConfig(paths: WorkspacePaths, name: string): Promise<DatabaseConfig> {
  const all = (await readdir(paths.databasesDir).catch(() => [] as string[]))
    .filter((d) => /^db-\d{3}$/.test(d))
    .sort();
  if (!all.includes(name))
    throw new BranchyardError(
      'NotFoundError',
      `no database ${name} in this workspace${all.length ? `; it has ${all.join(', ')}` : ''}`,
      { hint: { do: 'add-database' } },
    );
  const read = await readConfigFile(paths.root, `databases/${name}/config.json`, databaseSchema);
  if (!read.ok) throw new WorkspaceConfigError(read.problems);
  return read.value;
}

async function openEmbedded(name: string, options: DatabaseHostOptions): Promise<OpenDatabase & Disposable> {
  const dir = path.join(options.paths.engineDir, 'databases', name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = await acquireFileLock(path.join(dir, 'engine.lock'), {
    what: `the embedded database ${name}`,
    errorKind: 'StoreInUseError',
    hint: 'another Branchyard engine has it open; stop it, or do this through that engine while it runs',
  });
  let db: PGlite | undefined;
  let wire: WireServer | undefined;
  try {
    db = await openPgliteFolder(path.join(dir, 'pgdata'));
    if (options.serve) wire = await serveOverWire(db, path.join(options.paths.databaseSocketsDir, name));
  } catch (error) {
    await db?.close().catch(() => undefined);
    await lock.dispose();
    throw new BranchyardError(
      'DatabaseError',
      `cannot open the embedded database ${name} at ${dir}: ${describeError(error)}`,
      { cause: error },
    );
  }
  const live = db;
  const session = pgliteSession(live);
  return {
    name,
    engine: 'embedded',
    location: dir,
    socketDir: wire?.socketDir ?? null,
    session: (work) => work(session),
    dryRun: async (work) => {
      const copy = (await live.clone()) as PGlite;
      try {
        return await work(pgliteSession(copy), 'copy');
      } finally {
        await copy.close();
      }
    },
    migrate: async (folder) => {
      await migratePglite(drizzlePglite({ client: live }), { migrationsFolder: folder });
    },
    dispose: async () => {
      await wire?.dispose();
      await live.close();
      await lock.dispose();
    },
  };
}

function pgliteSession(db: PGlite): SqlSession {
  return {
    query: async <T>(text: string, params?: unknown[]) => (await db.query<T>(text, params)).rows,
  };
}

async function openPostgres(
  name: string,
  urlEnv: string,
  options: DatabaseHostOptions,
): Promise<OpenDatabase & Disposable> {
  const url = options.env[urlEnv];
  if (!url)
    throw new BranchyardError(
      'DatabaseError',
      `database ${name} reads its PostgreSQL URL from ${urlEnv} (databases/${name}/config.json), which is not set in the engine's environment`,
    );
  const location = redactUrl(url);
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  // A client per session, never a pool: idle connections of our own would stop PostgreSQL from
  // copying the database as a template for a dry-run.
  const connect = async (connectionString: string) => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new BranchyardError(
        'DatabaseError',
        `cannot reach database ${name} at ${location} (${describeConnectError(error, timeoutMs)}); check the server and the URL in ${urlEnv}`,
        { cause: error },
      );
    }
    return client;
  };
  const withClient = async <T>(connectionString: string, work: (client: pg.Client) => Promise<T>) => {
    const client = await connect(connectionString);
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const clientSession = (client: pg.Client): SqlSession => ({
    query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
  });
  // Reached once here, so a database that cannot be reached is reported when it is opened.
  await withClient(url, async () => undefined);

  // Branch containers have no network: they reach the server through the engine, which logs in.
  const relay = options.serve
    ? await relayToPostgres(path.join(options.paths.databaseSocketsDir, name), { name, url, urlEnv, timeoutMs })
    : undefined;

  const parsed = new URL(url);
  const source = decodeURIComponent(parsed.pathname.slice(1)) || parsed.username;
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';

  return {
    name,
    engine: 'postgres',
    location,
    socketDir: relay?.socketDir ?? null,
    session: (work) => withClient(url, (client) => work(clientSession(client))),
    dryRun: async (work) => {
      const copyName = `branchyard_dryrun_${randomBytes(6).toString('hex')}`;
      const made = await withClient(maintenance.toString(), async (admin) => {
        // PostgreSQL waits 5 s for others to leave a template before refusing: ask first.
        const others = await admin.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [source],
        );
        if ((others.rows[0]?.n ?? 0) > 0) return false;
        try {
          await admin.query(`CREATE DATABASE ${quoteIdent(copyName)} TEMPLATE ${quoteIdent(source)}`);
          return true;
        } catch (error) {
          // 55006: others are connected to the source; 42501: this role may not create databases.
          const code = (error as { code?: string }).code;
          if (code === '55006' || code === '42501') return false;
          throw new BranchyardError(
            'DatabaseError',
            `cannot copy database ${name} for a dry-run: ${describeError(error)}`,
            { cause: error },
          );
        }
      });
      if (!made) {
        return withClient(url, async (client) => {
          await client.query('BEGIN');
          try {
            await client.query("SET LOCAL lock_timeout = '2s'");
            return await work(clientSession(client), 'rolled-back transaction');
          } finally {
            await client.query('ROLLBACK').catch(() => undefined);
          }
        });
      }
      const copyUrl = new URL(url);
      copyUrl.pathname = `/${copyName}`;
      try {
        return await withClient(copyUrl.toString(), (client) => work(clientSession(client), 'copy'));
      } finally {
        await withClient(maintenance.toString(), (admin) =>
          admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(copyName)} WITH (FORCE)`),
        ).catch(() => undefined);
      }
    },
    migrate: (folder) =>
      withClient(url, async (client) => {
        // Two engines applying at once must not both run the same migration.
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [`branchyard.schema.${name}`]);
        try {
          await migratePg(drizzlePg({ client }), { migrationsFolder: folder });
        } finally {
          await client
            .query('SELECT pg_advisory_unlock(hashtext($1))', [`branchyard.schema.${name}`])
            .catch(() => undefined);
        }
      }),
    dispose: async () => {
      await relay?.dispose();
    },
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
