// PGlite over the wire protocol, reached by the real `pg` client through the unix socket:
// several clients at once, a transaction that keeps others out until it ends, and one that is
// rolled back when its client goes away.
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import type { WireServer } from './wire-protocol.ts';
import { serveOverWire } from './wire-server.ts';

let db: PGlite;
let server: WireServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
const clients: pg.Client[] = [];

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: `postgresql://branchyard@localhost/postgres?host=${encodeURIComponent(server.socketDir)}` });
  client.on('error', () => undefined); // the test that cuts a connection expects this
  await client.connect();
  clients.push(client);
  return client;
}

beforeEach(async () => {
  tmp = await tempDir();
  db = await PGlite.create();
  server = await serveOverWire(db, path.join(tmp.path, 'db-001'));
  await db.exec('CREATE TABLE notes (id int PRIMARY KEY, body text)');
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.end().catch(() => undefined);
  await server.dispose();
  await db.close();
  await tmp.dispose();
});

describe('PGlite over the wire', () => {
  it('answers plain and parameterised queries from several clients at once', async () => {
    const [a, b] = [await connect(), await connect()];
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).query('INSERT INTO notes VALUES ($1, $2)', [i, `note ${i}`])));
    const [countA, rowB] = await Promise.all([a.query('SELECT count(*)::int AS n FROM notes'), b.query('SELECT body FROM notes WHERE id = $1', [7])]);
    expect(countA.rows).toEqual([{ n: 20 }]);
    expect(rowB.rows).toEqual([{ body: 'note 7' }]);
    expect(server.connections).toBe(2);
  });

  it('keeps other clients out of an open transaction until it commits', async () => {
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

  it('rolls back the transaction of a client that goes away, and serves the others', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.query('BEGIN');
    await a.query("INSERT INTO notes VALUES (1, 'lost')");
    const reading = b.query('SELECT count(*)::int AS n FROM notes');
    (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await reading).rows).toEqual([{ n: 0 }]);
    expect(db.isInTransaction()).toBe(false);
  });

  it('reports an SQL error to the client that caused it and goes on', async () => {
    const a = await connect();
    await expect(a.query('SELECT * FROM missing_table')).rejects.toThrow(/relation "missing_table" does not exist/);
    expect((await a.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
