// PGlite spoken to over the PostgreSQL wire protocol, so branch processes (in their container,
// through a mounted unix socket) connect to the embedded database as to any server. PGlite is
// one session: messages from all connections are run one batch at a time, a batch being what
// a client sends up to its Sync or simple Query (so one client's extended-protocol state is never
// interleaved with another's), and while a client holds a transaction open only its batches run.
// A client that goes away inside a transaction has it rolled back.
//
// Why ours and not @electric-sql/pglite-socket 0.2, which now multiplexes connections too: run
// through the same contract (wire.contract.ts; pglite-socket.test.ts), it passes every case but
// one that matters here: a client announcing a huge message is buffered until it has sent it
// all, and our clients are branches' code, which the engine never trusts (we refuse any message
// over MAX_MESSAGE at its header). It also pins its PGlite peer to one exact version. Switch
// when pglite-socket.test.ts turns red.
import type net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { WireServer } from './wire-protocol.ts';
import {
  CANCEL_REQUEST,
  GSS_REQUEST,
  listenInSocketFolder,
  MAX_MESSAGE,
  PROTOCOL_3,
  SSL_REQUEST,
} from './wire-protocol.ts';

/** Message types that end a batch: Sync, simple Query, Terminate. */
const BATCH_END = new Set(['S'.charCodeAt(0), 'Q'.charCodeAt(0), 'X'.charCodeAt(0)]);

interface Connection {
  id: number;
  socket: net.Socket;
  pending: Buffer;
  started: boolean;
  /** Messages read since the last batch end. */
  partial: Buffer[];
  /** Whole batches waiting for their turn. */
  batches: Buffer[][];
  closed: boolean;
}

export async function serveOverWire(db: PGlite, socketDir: string): Promise<WireServer> {
  const waiting: Connection[] = [];
  let owner: Connection | undefined;
  let running = false;
  let nextId = 1;

  const schedule = () => {
    if (running) return;
    // Inside a transaction only its owner may go on; otherwise the first client in line.
    const index = owner ? waiting.indexOf(owner) : 0;
    if (index < 0 || waiting.length === 0) return;
    const connection = waiting.splice(index, 1)[0]!;
    const batch = connection.batches.shift()!;
    if (connection.batches.length > 0) waiting.push(connection);
    running = true;
    void runBatch(connection, batch).finally(() => {
      running = false;
      owner = db.isInTransaction() ? connection : undefined;
      if (owner?.closed) void rollbackFor(owner);
      schedule();
    });
  };

  const runBatch = (connection: Connection, batch: Buffer[]) =>
    db
      .runExclusive(async () => {
        for (const message of batch) {
          await db.execProtocolRawStream(new Uint8Array(message.buffer, message.byteOffset, message.length), {
            onRawData: (data) => {
              if (!connection.closed) connection.socket.write(Buffer.from(data));
            },
          });
        }
      })
      .catch((error: unknown) => {
        connection.socket.destroy(error instanceof Error ? error : new Error(String(error)));
      });

  const rollbackFor = async (connection: Connection) => {
    if (owner !== connection) return;
    owner = undefined;
    running = true;
    await db.exec('ROLLBACK').catch(() => undefined);
    running = false;
    schedule();
  };

  const enqueue = (connection: Connection, batch: Buffer[]) => {
    connection.batches.push(batch);
    if (!waiting.includes(connection)) waiting.push(connection);
    schedule();
  };

  const read = (connection: Connection) => {
    for (;;) {
      const buffer = connection.pending;
      if (!connection.started) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        const code = buffer.readInt32BE(4);
        if (length === 8 && (code === SSL_REQUEST || code === GSS_REQUEST)) {
          connection.socket.write('N'); // no TLS on a local socket; the client goes on in the clear
          connection.pending = buffer.subarray(8);
          continue;
        }
        if (length === 16 && code === CANCEL_REQUEST) {
          connection.socket.end(); // PGlite has no backend to signal: the cancel is dropped
          return;
        }
        if (code !== PROTOCOL_3 || length < 8 || length > MAX_MESSAGE) return void connection.socket.destroy();
        if (buffer.length < length) return;
        connection.started = true;
        connection.pending = buffer.subarray(length);
        enqueue(connection, [buffer.subarray(0, length)]);
        continue;
      }
      if (buffer.length < 5) return;
      const length = 1 + buffer.readInt32BE(1);
      if (length < 5 || length > MAX_MESSAGE) return void connection.socket.destroy();
      if (buffer.length < length) return;
      const message = buffer.subarray(0, length);
      connection.pending = buffer.subarray(length);
      if (message[0] === 'X'.charCodeAt(0)) {
        connection.socket.end();
        return;
      }
      connection.partial.push(message);
      if (BATCH_END.has(message[0]!)) {
        enqueue(connection, connection.partial);
        connection.partial = [];
      }
    }
  };

  return listenInSocketFolder(socketDir, (socket) => {
    const connection: Connection = {
      id: nextId++,
      socket,
      pending: Buffer.alloc(0),
      started: false,
      partial: [],
      batches: [],
      closed: false,
    };
    socket.on('data', (data) => {
      connection.pending = connection.pending.length === 0 ? data : Buffer.concat([connection.pending, data]);
      read(connection);
    });
    socket.on('close', () => {
      connection.closed = true;
      connection.batches = [];
      const at = waiting.indexOf(connection);
      if (at >= 0) waiting.splice(at, 1);
      if (!running) void rollbackFor(connection);
    });
  });
}
