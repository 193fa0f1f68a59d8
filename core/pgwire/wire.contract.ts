// What serving PGlite over the wire must do, for any implementation: the real `pg` client, over
// a unix socket, with several clients at once. Run against ours (wire-server.test.ts) and
// against @electric-sql/pglite-socket (pglite-socket.test.ts), which is how we judge whether
// to keep our own.
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';

/** A running server: `socketDir` holds `.s.PGSQL.5432`, as PostgreSQL's own socket folders do. */
export interface ServedDatabase {
  socketDir: string;
  dispose(): void | Promise<void>;
}

export type Serve = (db: PGlite, socketDir: string) => Promise<ServedDatabase>;

/** The contract's cases, by name, so a suite can say which of them an implementation fails. */
export const CASES = [
  'several clients',
  'transaction isolation',
  'client gone mid-transaction',
  'SQL errors',
  'interleaved extended protocol',
  'oversized message',
] as const;
export type Case = (typeof CASES)[number];

/**
 * Registers the contract's tests in the calling describe block. `expectedFailures` are run with
 * `it.fails`: they document what an implementation gets wrong, and turn red once it is fixed.
 */
export function wireContract(serve: Serve, expectedFailures: readonly Case[] = []): void {
  let db: PGlite;
  let server: ServedDatabase;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const clients: pg.Client[] = [];
  const test = (name: Case, body: () => Promise<void>) =>
    (expectedFailures.includes(name) ? it.fails : it)(name, { timeout: 30_000 }, body);

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: `postgresql://branchyard@localhost/postgres?host=${encodeURIComponent(server.socketDir)}`,
      connectionTimeoutMillis: 5000,
    });
    client.on('error', () => undefined); // the tests that cut a connection expect this
    await client.connect();
    clients.push(client);
    return client;
  }

  // One database for the suite (creating one takes seconds); each case gets a new server and
  // a new table.
  beforeAll(async () => void (db = await PGlite.create()));
  afterAll(() => db.close());
  beforeEach(async () => {
    tmp = await tempDir();
    if (db.isInTransaction()) await db.exec('ROLLBACK');
    await db.exec('DROP TABLE IF EXISTS notes; CREATE TABLE notes (id int PRIMARY KEY, body text)');
    server = await serve(db, path.join(tmp.path, 'db-001'));
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.end().catch(() => undefined);
    await server.dispose();
    await tmp.dispose();
  });

  test('several clients', async () => {
    const [a, b] = [await connect(), await connect()];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).query('INSERT INTO notes VALUES ($1, $2)', [i, `note ${i}`]),
      ),
    );
    const [countA, rowB] = await Promise.all([
      a.query('SELECT count(*)::int AS n FROM notes'),
      b.query('SELECT body FROM notes WHERE id = $1', [7]),
    ]);
    expect(countA.rows).toEqual([{ n: 20 }]);
    expect(rowB.rows).toEqual([{ body: 'note 7' }]);
  });

  test('transaction isolation', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.query('BEGIN');
    await a.query("INSERT INTO notes VALUES (1, 'inside')");
    let seen: unknown;
    const reading = b.query('SELECT count(*)::int AS n FROM notes').then((r) => (seen = r.rows[0]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toBeUndefined(); // waits: PGlite is one session, and the transaction is a's
    await a.query('COMMIT');
    await reading;
    expect(seen).toEqual({ n: 1 });
  });

  test('client gone mid-transaction', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.query('BEGIN');
    await a.query("INSERT INTO notes VALUES (1, 'lost')");
    const reading = b.query('SELECT count(*)::int AS n FROM notes');
    (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await reading).rows).toEqual([{ n: 0 }]);
    expect(db.isInTransaction()).toBe(false);
  });

  test('SQL errors', async () => {
    const a = await connect();
    await expect(a.query('SELECT * FROM missing_table')).rejects.toThrow(/relation "missing_table" does not exist/);
    expect((await a.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  // A parameterised query is Parse, Bind, Describe, Execute and Sync: run message by message,
  // two clients' messages interleave, and one client binds the other's unnamed statement.
  test('interleaved extended protocol', async () => {
    const all = await Promise.all(Array.from({ length: 4 }, () => connect()));
    const answers = await Promise.all(
      all.map(async (client, c) => {
        const got: unknown[] = [];
        for (let i = 0; i < 50; i++)
          got.push((await client.query(`SELECT $1::int AS n, '${'x'.repeat(c)}' AS who`, [c * 1000 + i])).rows[0]);
        return got;
      }),
    );
    answers.forEach((got, c) =>
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => ({ n: c * 1000 + i, who: 'x'.repeat(c) }))),
    );
  });

  // A client announcing a 1 GB message is cut off at once, not buffered until memory runs out.
  test('oversized message', async () => {
    await connect(); // the server is up and answers
    const socket = net.connect(path.join(server.socketDir, '.s.PGSQL.5432'));
    const closed = new Promise<boolean>((resolve) => {
      socket.on('close', () => resolve(true));
      socket.on('error', () => undefined);
      setTimeout(() => resolve(false), 3000);
    });
    const startup = Buffer.concat([Buffer.alloc(8), Buffer.from('user\0branchyard\0database\0postgres\0\0')]);
    startup.writeInt32BE(startup.length, 0);
    startup.writeInt32BE(196608, 4);
    socket.write(startup);
    const header = Buffer.alloc(5);
    header.write('Q', 0);
    header.writeInt32BE(1 << 30, 1);
    socket.write(header);
    socket.write(Buffer.alloc(4 * 1024 * 1024, 0x20));
    expect(await closed).toBe(true);
    socket.destroy();
  });
}
