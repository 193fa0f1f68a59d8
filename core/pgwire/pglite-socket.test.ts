// @electric-sql/pglite-socket 0.2 (multiplexing, maxConnections raised from its default of 1)
// judged by our wire contract: what it gets wrong is why wire-server.ts is ours. Each case it
// fails is run with `it.fails`, so the day the library gets it right this suite turns red and
// we should switch to it.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { describe } from 'vitest';
import { wireContract } from './wire.contract.ts';

describe('@electric-sql/pglite-socket against the wire contract', () => {
  wireContract(
    async (db, socketDir) => {
      await mkdir(socketDir, { recursive: true });
      const server = new PGLiteSocketServer({ db, path: path.join(socketDir, '.s.PGSQL.5432'), maxConnections: 100 });
      await server.start();
      return { socketDir, dispose: () => server.stop() };
    },
    // A client (a branch's code, which the engine never trusts) announcing a 1 GB message is
    // buffered until it has sent it all: the engine's memory is the limit.
    ['oversized message'],
  );
});
