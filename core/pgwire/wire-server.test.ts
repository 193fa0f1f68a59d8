// Our wire server against the contract every PGlite wire server must meet, and what only ours
// reports: how many clients it serves.
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { serveOverWire } from './wire-server.ts';
import { wireContract } from './wire.contract.ts';

describe('PGlite over the wire (ours)', () => {
  wireContract((db, socketDir) => serveOverWire(db, socketDir));

  it('counts the clients it serves', async () => {
    const tmp = await tempDir();
    const db = await PGlite.create();
    const server = await serveOverWire(db, path.join(tmp.path, 'db'));
    const url = `postgresql://branchyard@localhost/postgres?host=${encodeURIComponent(server.socketDir)}`;
    const clients = [new pg.Client(url), new pg.Client(url)];
    try {
      for (const client of clients) await client.connect();
      expect(server.connections).toBe(2);
    } finally {
      for (const client of clients) await client.end();
      await server.dispose();
      await db.close();
      await tmp.dispose();
    }
  });
});
