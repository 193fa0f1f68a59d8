// What the embedded database's wire server and the PostgreSQL relay share: the protocol's codes,
// its framing, and a listener on a database's socket folder that branch containers mount.
import { chmod, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Disposable } from '../lifecycle/index.ts';

export const SSL_REQUEST = 80877103;
export const GSS_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;
export const PROTOCOL_3 = 196608;
/** A message larger than this is refused: no client of ours sends one, and it bounds memory. */
export const MAX_MESSAGE = 256 * 1024 * 1024;

/** The socket file name every PostgreSQL client derives from host folder and port 5432. */
const SOCKET_FILE = '.s.PGSQL.5432';

export interface WireServer extends Disposable {
  /** The folder holding `.s.PGSQL.5432`, as a libpq/pg `host`. */
  readonly socketDir: string;
  readonly connections: number;
}

/** Listens on `<socketDir>/.s.PGSQL.5432`, readable and writable by the containers' user. */
export async function listenInSocketFolder(
  socketDir: string,
  onConnection: (socket: net.Socket) => void,
): Promise<WireServer> {
  await mkdir(socketDir, { recursive: true });
  const socketPath = path.join(socketDir, SOCKET_FILE);
  await rm(socketPath, { force: true });
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => open.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Branch processes run as another user in their container; the folder above keeps others out.
  await chmod(socketPath, 0o666);
  return {
    socketDir,
    get connections() {
      return open.size;
    },
    dispose: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}

/** A typed message: its type byte, then its length (counting itself) and its body. */
export function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

export function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

export function cstring(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf8');
}

/** A FATAL ErrorResponse, which ends the client's connection attempt with this message. */
export function fatalError(message: string, code = '08006'): Buffer {
  return frame(
    'E',
    Buffer.concat([
      cstring(`SFATAL`),
      cstring('VFATAL'),
      cstring(`C${code}`),
      cstring(`M${message}`),
      Buffer.from([0]),
    ]),
  );
}
