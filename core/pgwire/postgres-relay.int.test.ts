// The relay that lets branch processes reach a PostgreSQL database through a unix socket, the
// engine logging in for them: against the real server (SCRAM), through TLS, through a unix socket
// upstream, with a cancel, and when the login fails or the server cannot be reached.
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCa } from '../gateway/index.ts';
import { tempDir, tempPostgresDatabase } from '../testing/index.ts';
import { workspacePaths } from '../workspace/index.ts';
import { PostgresLogin } from './postgres-login.ts';
import { relayToPostgres } from './postgres-relay.ts';
import type { WireServer } from './wire-protocol.ts';
import { CANCEL_REQUEST, int32, SSL_REQUEST } from './wire-protocol.ts';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let database: Awaited<ReturnType<typeof tempPostgresDatabase>>;
const disposables: Array<{ dispose: () => Promise<void> | void }> = [];

beforeEach(async () => {
  tmp = await tempDir();
  database = await tempPostgresDatabase();
});
afterEach(async () => {
  for (const item of disposables.splice(0).reverse()) await item.dispose();
  await database.dispose();
  await tmp.dispose();
});

async function relay(url: string, folder = 'db-002', timeoutMs = 5000): Promise<WireServer> {
  const server = await relayToPostgres(path.join(tmp.path, folder), {
    name: folder,
    url,
    urlEnv: 'SHOP_DATABASE_URL',
    timeoutMs,
  });
  disposables.push(server);
  return server;
}

/** A client as a branch process makes one: any user, no password, the socket folder as host. */
async function connect(server: WireServer): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: `postgresql://branch@localhost/postgres?host=${encodeURIComponent(server.socketDir)}`,
  });
  client.on('error', () => undefined);
  disposables.push({ dispose: () => client.end().catch(() => undefined) });
  await client.connect();
  return client;
}

const withPassword = (url: string, password: string) => {
  const changed = new URL(url);
  changed.password = password;
  return changed.toString();
};

describe('PostgreSQL relay', () => {
  it("logs in with the URL's credentials (SCRAM) and gives the client the URL's user and database", async () => {
    const server = await relay(database.url);
    const [a, b] = [await connect(server), await connect(server)];
    const expected = new URL(database.url);
    expect((await a.query('SELECT current_user AS "user", current_database() AS db')).rows).toEqual([
      { user: expected.username, db: expected.pathname.slice(1) },
    ]);
    await a.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
    await a.query('BEGIN');
    await a.query('INSERT INTO notes VALUES ($1, $2)', [1, 'from a']);
    // Not yet committed: b, on its own server connection, does not see it.
    expect((await b.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 0 }]);
    await a.query('COMMIT');
    expect((await b.query('SELECT body FROM notes WHERE id = $1', [1])).rows).toEqual([{ body: 'from a' }]);
    expect(server.connections).toBe(2);
  });

  it('passes a cancel to the server, which stops the query', async () => {
    const server = await relay(database.url);
    const client = await connect(server);
    const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
    const sleeping = client.query('SELECT pg_sleep(30)');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancel = net.connect(path.join(server.socketDir, '.s.PGSQL.5432'));
    cancel.end(Buffer.concat([int32(16), int32(CANCEL_REQUEST), int32(processID), int32(secretKey)]));
    await expect(sleeping).rejects.toThrow(/canceling statement due to user request/);
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('reaches a server on a unix socket (here, another relay)', async () => {
    const first = await relay(database.url, 'db-002');
    const second = await relay(
      `postgresql://anyone@localhost/postgres?host=${encodeURIComponent(first.socketDir)}`,
      'db-003',
    );
    const client = await connect(second);
    expect((await client.query('SELECT current_database() AS db')).rows).toEqual([
      { db: new URL(database.url).pathname.slice(1) },
    ]);
  });

  it("speaks TLS to a server when the URL asks, checking the server's certificate", async () => {
    const ca = await LocalCa.open(workspacePaths(tmp.path), 'relay test');
    const front = await tlsFront(await ca.issue(['127.0.0.1']), new URL(database.url));
    const secure = new URL(database.url);
    secure.host = `127.0.0.1:${front.port}`;
    const verified = await relay(
      `${secure.toString()}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca.files.certificate)}`,
      'db-002',
    );
    expect((await (await connect(verified)).query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(front.secured).toBe(1);
    // Without the CA, the certificate is not trusted, and the client is told why.
    const unverified = await relay(`${secure.toString()}?sslmode=verify-full`, 'db-003');
    await expect(connect(unverified)).rejects.toThrow(/database db-003: .*(self-signed|unable to (get|verify))/);
  });

  it('answers MD5 and plain password requests as PostgreSQL computes them, and refuses what it does not speak', async () => {
    const login = new PostgresLogin({ user: 'alice', password: 'pässword' });
    const salt = Buffer.from([0x01, 0xa2, 0x03, 0xf4]);
    const md5 = login.answer(Buffer.concat([int32(5), salt])) as Buffer;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    disposables.push({ dispose: () => client.end() });
    const { rows } = await client.query<{ expected: string }>(
      "SELECT 'md5' || md5(convert_to(md5(convert_to($1 || $2, 'UTF8')), 'UTF8') || $3::bytea) AS expected",
      ['pässword', 'alice', salt],
    );
    expect(md5.subarray(0, 1).toString()).toBe('p');
    expect(md5.subarray(5).toString('utf8')).toBe(`${rows[0]!.expected}\0`);
    expect((login.answer(int32(3)) as Buffer).subarray(5).toString('utf8')).toBe('pässword\0');
    expect(() => new PostgresLogin({ user: 'alice', password: undefined }).answer(int32(3))).toThrow(
      'the server asks for a password and the URL holds none',
    );
    expect(() => login.answer(int32(7))).toThrow(/authentication method Branchyard does not speak \(code 7\)/);
  });

  it('tells the client why the login failed, naming the variable and never the password', async () => {
    const server = await relay(withPassword(database.url, 'not-the-password-123'));
    const error = (await connect(server).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /^database db-002: the server refused the engine's login \(password authentication failed for user "\w+"\); check the URL in SHOP_DATABASE_URL$/,
    );
    expect(error.message).not.toContain('not-the-password-123');
  });

  it('tells the client when the server cannot be reached, or does not answer in time', async () => {
    const refused = await relay('postgres://branchyard:secret@127.0.0.1:1/nothing', 'db-002');
    await expect(connect(refused)).rejects.toThrow(/^database db-002: .*ECONNREFUSED/);

    // A server that takes the connection and the startup message, and says nothing.
    const accepted = new Set<net.Socket>();
    const silent = net.createServer((socket) => void accepted.add(socket.resume()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    disposables.push({
      dispose: () => {
        for (const socket of accepted) socket.destroy();
        return new Promise<void>((resolve) => silent.close(() => resolve()));
      },
    });
    const port = (silent.address() as net.AddressInfo).port;
    const hung = await relay(`postgres://branchyard:secret@127.0.0.1:${port}/nothing`, 'db-003', 500);
    await expect(connect(hung)).rejects.toThrow(/^database db-003: no login within 500 ms$/);
  });
});

/** A TLS front for the test server, as a managed PostgreSQL would offer: SSLRequest, then TLS. */
async function tlsFront(
  certificate: { cert: string; key: string },
  target: URL,
): Promise<{ port: number; secured: number }> {
  const state = { port: 0, secured: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('data', (first: Buffer) => {
      if (first.length !== 8 || first.readInt32BE(4) !== SSL_REQUEST) return void socket.destroy();
      socket.write('S');
      const secure = new tls.TLSSocket(socket, { isServer: true, cert: certificate.cert, key: certificate.key });
      secure.once('secure', () => {
        state.secured++;
        const upstream = net.connect(Number(target.port), target.hostname);
        sockets.add(upstream);
        secure.pipe(upstream).pipe(secure);
        upstream.on('error', () => secure.destroy());
        secure.on('error', () => upstream.destroy());
      });
      secure.on('error', () => socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as net.AddressInfo).port;
  disposables.push({
    dispose: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return state;
}
