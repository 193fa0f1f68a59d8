// A PostgreSQL database reached by branch processes the way an embedded one is: through a unix
// socket in its folder under .branchyard/run/databases, which their containers mount (they have
// no network). The engine logs in to the server with the credentials of the database's URL, then
// passes bytes both ways untouched, so the password stays in the engine's environment: never in
// a process entry, a container or a log. A branch connects with any user name and no password,
// and gets the URL's user and database.
import { once } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { parse } from 'pg-connection-string';
import { describeError } from '../errors/index.ts';
import type { Credentials } from './postgres-login.ts';
import { PostgresLogin } from './postgres-login.ts';
import type { WireServer } from './wire-protocol.ts';
import {
  CANCEL_REQUEST,
  cstring,
  fatalError,
  GSS_REQUEST,
  int32,
  listenInSocketFolder,
  MAX_MESSAGE,
  PROTOCOL_3,
  SSL_REQUEST,
} from './wire-protocol.ts';

export interface RelayOptions {
  /** The database's name in the workspace (`db-002`), for messages. */
  name: string;
  url: string;
  /** The environment variable the URL came from, for messages. */
  urlEnv: string;
  /** How long connecting and logging in may take. */
  timeoutMs: number;
}

const AUTHENTICATION = 'R'.charCodeAt(0);
const ERROR_RESPONSE = 'E'.charCodeAt(0);
const NOTICE_RESPONSE = 'N'.charCodeAt(0);

interface Upstream extends Credentials {
  /** A unix socket path, or a TCP host and port. */
  socketPath?: string;
  host: string;
  port: number;
  database: string;
  tls: tls.ConnectionOptions | undefined;
}

export async function relayToPostgres(socketDir: string, options: RelayOptions): Promise<WireServer> {
  const upstream = upstreamOf(options.url);
  return listenInSocketFolder(socketDir, (client) => {
    void relay(client, upstream, options);
  });
}

function upstreamOf(url: string): Upstream {
  const parsed = parse(url);
  const port = Number(parsed.port || 5432);
  const host = parsed.host ?? 'localhost';
  const user = parsed.user ?? process.env.PGUSER ?? os.userInfo().username;
  const ssl = parsed.ssl;
  return {
    socketPath: host.startsWith('/') ? `${host}/.s.PGSQL.${port}` : undefined,
    host,
    port,
    user,
    password: parsed.password,
    database: parsed.database ?? user,
    tls: ssl ? tlsOptions(typeof ssl === 'object' ? ssl : {}, host) : undefined,
  };
}

/** pg-connection-string's reading of sslmode and the ssl* files, as node:tls takes them. */
function tlsOptions(
  ssl: Exclude<ReturnType<typeof parse>['ssl'], boolean | string | undefined>,
  host: string,
): tls.ConnectionOptions {
  const { cert, ...rest } = ssl;
  return { ...rest, cert: cert ?? undefined, servername: net.isIP(host) ? undefined : host };
}

async function relay(client: net.Socket, upstream: Upstream, options: RelayOptions): Promise<void> {
  // Connecting and logging in have a deadline: the socket in question is cut with its reason.
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`no login within ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  let server: net.Socket | undefined;
  try {
    const fromClient = new MessageReader(client, deadline.signal);
    const startup = await readStartup(fromClient, client);
    if (startup.cancel) {
      // The client's cancel names the server's own process and key (passed through unchanged
      // from BackendKeyData), so it is handed to the server as it is.
      (await connectUpstream(upstream, deadline.signal)).end(startup.cancel);
      client.end();
      return;
    }
    fromClient.pauseDeadline();
    server = await connectUpstream(upstream, deadline.signal);
    server.write(startupMessage({ ...startup.params, user: upstream.user, database: upstream.database }));
    const fromServer = new MessageReader(server, deadline.signal);
    const login = new PostgresLogin(upstream);
    for (;;) {
      const message = await fromServer.message(true);
      if (message.type === ERROR_RESPONSE)
        throw new Error(
          `the server refused the engine's login (${errorText(message.body)}); check the URL in ${options.urlEnv}`,
        );
      if (message.type === NOTICE_RESPONSE) continue; // a notice before the login ends is the server's business
      if (message.type !== AUTHENTICATION)
        throw new Error(`the server sent a '${String.fromCharCode(message.type)}' message before the login ended`);
      const answer = login.answer(message.body);
      if (answer === 'ok') {
        client.write(message.raw);
        break;
      }
      if (answer) server.write(answer);
    }
    clearTimeout(timer);
    pipeBoth(client, fromClient.release(), server, fromServer.release());
  } catch (error) {
    clearTimeout(timer);
    server?.destroy();
    if (!client.destroyed) client.end(fatalError(`database ${options.name}: ${describeError(error)}`));
  }
}

/** From here on the bytes are the client's and the server's: either side closing closes both. */
function pipeBoth(client: net.Socket, fromClient: Buffer, server: net.Socket, fromServer: Buffer): void {
  if (fromServer.length > 0) client.write(fromServer);
  if (fromClient.length > 0) server.write(fromClient);
  client.pipe(server);
  server.pipe(client);
  server.on('error', () => client.destroy());
  client.on('error', () => server.destroy());
  server.on('close', () => client.destroy());
  client.on('close', () => server.destroy());
}

async function readStartup(
  reader: MessageReader,
  client: net.Socket,
): Promise<{ params: Record<string, string>; cancel?: undefined } | { cancel: Buffer }> {
  for (;;) {
    const { body, raw } = await reader.message(false);
    const code = body.length >= 4 ? body.readInt32BE(0) : -1;
    if (code === SSL_REQUEST || code === GSS_REQUEST) {
      client.write('N'); // no TLS on a local socket; the client goes on in the clear
      continue;
    }
    if (code === CANCEL_REQUEST) return { cancel: raw };
    if (code !== PROTOCOL_3)
      throw new Error(`a client spoke protocol ${code >> 16}.${code & 0xffff}; PostgreSQL's is 3.0`);
    const parts = body.subarray(4).toString('utf8').split('\0');
    const params: Record<string, string> = {};
    for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params[parts[i]!] = parts[i + 1]!;
    return { params };
  }
}

function startupMessage(params: Record<string, string>): Buffer {
  const body = Buffer.concat([
    int32(PROTOCOL_3),
    ...Object.entries(params).flatMap(([key, value]) => [cstring(key), cstring(value)]),
    Buffer.from([0]),
  ]);
  return Buffer.concat([int32(body.length + 4), body]);
}

async function connectUpstream(upstream: Upstream, signal: AbortSignal): Promise<net.Socket> {
  const socket = upstream.socketPath ? net.connect(upstream.socketPath) : net.connect(upstream.port, upstream.host);
  const cut = () => socket.destroy(signal.reason as Error);
  signal.addEventListener('abort', cut, { once: true });
  socket.once('close', () => signal.removeEventListener('abort', cut));
  await once(socket, 'connect');
  if (!upstream.tls) return socket;
  socket.write(Buffer.concat([int32(8), int32(SSL_REQUEST)]));
  const [answer] = (await once(socket, 'data')) as [Buffer];
  socket.pause();
  if (answer.toString('latin1') !== 'S') {
    socket.destroy();
    throw new Error(`the server at ${upstream.host} does not accept TLS, which the URL asks for (sslmode)`);
  }
  const secure = tls.connect({ ...upstream.tls, socket, host: upstream.host });
  await once(secure, 'secureConnect');
  return secure;
}

/** An ErrorResponse's message field ('M'). */
function errorText(body: Buffer): string {
  for (const field of body.toString('utf8').split('\0')) if (field.startsWith('M')) return field.slice(1);
  return 'no reason given';
}

/** Reads whole protocol messages off a socket until released, when its rest is handed over. */
class MessageReader {
  private pending: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.wake?.();
  };
  private readonly onEnd = (error?: Error) => {
    this.ended ??= error ?? new Error('the connection closed during the login');
    this.wake?.();
  };

  private readonly onAbort: () => void;

  /** `deadline` cuts the socket when it fires while messages are awaited. */
  constructor(
    private readonly socket: net.Socket,
    private readonly deadline: AbortSignal,
  ) {
    this.onAbort = () => socket.destroy(deadline.reason as Error);
    deadline.addEventListener('abort', this.onAbort, { once: true });
    socket.on('data', this.onData);
    socket.on('error', this.onEnd);
    socket.on('close', () => this.onEnd());
    socket.resume();
  }

  /** The deadline no longer cuts this socket (the client waits while the server is reached). */
  pauseDeadline(): void {
    this.deadline.removeEventListener('abort', this.onAbort);
  }

  /** The next message: typed (one byte, then the length) or, before the startup, untyped. */
  async message(typed: boolean): Promise<{ type: number; body: Buffer; raw: Buffer }> {
    const head = typed ? 5 : 4;
    for (;;) {
      if (this.pending.length >= head) {
        const length = this.pending.readInt32BE(head - 4);
        if (length < 4 || length > MAX_MESSAGE) throw new Error(`a malformed message (length ${length})`);
        const total = head - 4 + length;
        if (this.pending.length >= total) {
          const raw = this.pending.subarray(0, total);
          this.pending = this.pending.subarray(total);
          return { type: typed ? raw[0]! : 0, body: raw.subarray(head), raw };
        }
      }
      if (this.ended) throw this.ended;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }

  /** Stops reading; what was read past the last message is returned. */
  release(): Buffer {
    this.pauseDeadline();
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onEnd);
    return this.pending;
  }
}
