// Forwarding one request to a branch's unix socket and its answer back, over kept-alive
// connections held by undici pools (its client costs the gateway about half of what node:http's
// does per request). Each gateway has pools of its own, bounded, and each client address a
// bounded share of them: no gateway and no client can take every connection to a branch.
// A body is gathered whole before anything goes to the branch when it is small (up to
// BUFFER_BYTES): a client sending it slowly then holds a gateway socket and a little memory,
// never a connection to the branch. Larger bodies stream, time-bound by the listener's
// requestTimeout (a 408). A small answer is sent to the client in one write: over TLS that is
// one record instead of two. A request that dies on a kept-alive connection the branch had just
// closed is sent again once when it has no body (so doing it twice cannot matter).
import type http from 'node:http';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

/**
 * Headers about one hop only (RFC 9110 §7.6.1): never forwarded. `expect` too: the gateway
 * answers 100-continue itself, and undici refuses to send it.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);
/** Answers up to this size are gathered and written at once. */
const GATHER_BYTES = 64 * 1024;
/** Request bodies up to this size (or the body limit, if smaller) are read whole before forwarding. */
export const BUFFER_BYTES = 1024 * 1024;

/** How many connections to branches a gateway holds, and how many of them one client address may use at once. */
export interface UpstreamLimits {
  connections: number;
  perClient: number;
}

export const DEFAULT_UPSTREAM_LIMITS: UpstreamLimits = { connections: 128, perClient: 64 };

/** One gateway's connections to branch sockets: a pool per socket, shared with no other gateway. */
export class Upstreams {
  private readonly pools = new Map<string, Pool>();

  constructor(readonly limits: UpstreamLimits) {}

  pool(socketPath: string): Pool {
    let pool = this.pools.get(socketPath);
    if (!pool) {
      pool = new Pool('http://branch.invalid', {
        socketPath,
        connections: this.limits.connections,
        pipelining: 1,
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 30_000,
      });
      this.pools.set(socketPath, pool);
    }
    return pool;
  }

  /** Closes the pools; requests under way finish first. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
  }
}

/** How many requests one client address has at the branches now (kept with its parsed address). */
export interface UpstreamShare {
  upstream: number;
}

export interface ForwardOptions {
  upstreams: Upstreams;
  socketPath: string;
  /** The client's address, counting its requests at the branches. */
  share: UpstreamShare;
  /** The path and query as the client sent them (already checked). */
  target: string;
  clientAddress: string;
  host: string;
  /** Drop the client's Authorization: the gateway used it for its own basic auth. */
  stripAuthorization: boolean;
  maxBodyBytes: number;
  timeoutMs: number;
  /** Where the body bytes sent to the client are counted (the request's access-log entry). */
  sent: { bytes: number };
}

export type ForwardFailure = { status: 413 | 429 | 502 | 503 | 504; reason: string };

class BodyTooLarge extends Error {}

/**
 * Sends the request to the branch (its body gathered first when small) and the answer to the
 * client, then calls `done` with a failure the caller turns into a response when nothing was
 * sent yet; once the branch's answer has started, a failure can only cut the connection.
 */
export function forward(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  options: ForwardOptions,
  done: (failure: ForwardFailure | null) => void,
): void {
  const declared = request.headers['content-length'];
  const max = options.maxBodyBytes;
  if (declared !== undefined && Number(declared) > max)
    return done({ status: 413, reason: `the body is over ${max} bytes` });
  const hasBody = declared !== undefined ? declared !== '0' : request.headers['transfer-encoding'] !== undefined;
  const forwarding = new Forwarding(request, response, options, upstreamHeaders(request, options), hasBody, done);
  if (!hasBody) return forwarding.attempt(true);
  // Every check passed: now the client may send what it held back (Node left the 100 to us).
  if (request.headers.expect !== undefined) response.writeContinue();
  if (declared !== undefined && Number(declared) > Math.min(BUFFER_BYTES, max)) forwarding.stream([], 0);
  else forwarding.gather();
}

/** The request's headers as the branch gets them: no hop-by-hop ones, and who asked, from where. */
function upstreamHeaders(request: http.IncomingMessage, options: ForwardOptions): Record<string, string | string[]> {
  const incoming = request.headers;
  const headers: Record<string, string | string[]> = {};
  const named = incoming.connection?.split(',').map((name) => name.trim().toLowerCase());
  for (const name in incoming) {
    const value = incoming[name];
    if (
      value === undefined ||
      HOP_BY_HOP.has(name) ||
      (options.stripAuthorization && name === 'authorization') ||
      name.startsWith('x-forwarded-') ||
      named?.includes(name)
    )
      continue;
    headers[name] = value;
  }
  headers['x-forwarded-for'] = options.clientAddress;
  headers['x-forwarded-proto'] = 'https';
  headers['x-forwarded-host'] = options.host;
  return headers;
}

/**
 * One request on its way to the branch and back; it is also undici's handler of the answer.
 * A class rather than closures: a busy gateway makes one per request, and its methods are made
 * once.
 */
class Forwarding implements Dispatcher.DispatchHandler {
  private settled = false;
  private retry = false;
  private controller: Dispatcher.DispatchController | undefined;
  private started = false;
  private gathered: Buffer[] | null = null;
  private status = 0;
  private statusMessage: string | undefined;
  private answerHeaders: http.OutgoingHttpHeaders = {};
  private body: Buffer | Readable | null = null;
  /** Whether this request counts in its client's share of the branch connections. */
  private counted = false;
  private readonly onClientClose: () => void;

  constructor(
    private readonly request: http.IncomingMessage,
    private readonly response: http.ServerResponse,
    private readonly options: ForwardOptions,
    private readonly headers: Record<string, string | string[]>,
    private readonly hasBody: boolean,
    private readonly done: (failure: ForwardFailure | null) => void,
  ) {
    this.onClientClose = this.clientClosed.bind(this);
  }

  /**
   * Reads the body into memory, then sends it; a body that turns out larger than BUFFER_BYTES
   * (chunked, so its size was not known) streams from there on.
   */
  gather(): void {
    const { request, options } = this;
    const limit = Math.min(BUFFER_BYTES, options.maxBodyBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size <= limit) return;
      stop();
      if (size > options.maxBodyBytes)
        return this.settle({ status: 413, reason: `the body is over ${options.maxBodyBytes} bytes` });
      request.pause();
      this.stream(chunks, size);
    };
    const onEnd = () => {
      stop();
      this.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      this.attempt(true);
    };
    // Closed before its end: the client went away, or was cut for taking too long (the 408).
    const onClose = () => {
      stop();
      this.settle(null);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('close', onClose);
  }

  /** Streams the body (after what was already read of it) as it arrives. */
  stream(head: Buffer[], size: number): void {
    this.body = Readable.from(limited(this.request, this.options.maxBodyBytes, head, size), { objectMode: false });
    this.attempt(false);
  }

  attempt(retry: boolean): void {
    if (this.settled || this.response.writableEnded) return;
    const { options } = this;
    if (!this.counted) {
      const share = options.share;
      if (share.upstream >= options.upstreams.limits.perClient)
        return this.settle({ status: 429, reason: 'too many requests from this address are under way' });
      share.upstream++;
      this.counted = true;
    }
    this.retry = retry;
    this.controller = undefined;
    this.started = false;
    this.gathered = null;
    this.response.once('close', this.onClientClose);
    const request = this.request;
    options.upstreams.pool(options.socketPath).dispatch(
      {
        origin: 'http://branch.invalid',
        path: options.target,
        method: (request.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: this.headers,
        body: this.body,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    answerHeaders: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    this.started = true;
    // The gateway answered already (the client took too long to send its body).
    if (this.response.headersSent) return controller.abort(new Error('the client was answered already'));
    // Written with the status line in one writeHead: cheaper than a setHeader each.
    const headers: http.OutgoingHttpHeaders = {};
    for (const name in answerHeaders) {
      const value = answerHeaders[name];
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    this.status = statusCode;
    this.statusMessage = statusMessage || undefined;
    this.answerHeaders = headers;
    const length = Number(answerHeaders['content-length'] ?? NaN);
    if (Number.isFinite(length) && length <= GATHER_BYTES) this.gathered = [];
    else this.response.writeHead(statusCode, this.statusMessage, headers).flushHeaders();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.gathered) return void this.gathered.push(chunk);
    this.options.sent.bytes += chunk.length;
    if (!this.response.write(chunk)) {
      controller.pause();
      this.response.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    const response = this.response;
    response.off('close', this.onClientClose);
    const gathered = this.gathered;
    if (gathered) {
      const body = gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered);
      this.options.sent.bytes += body.length;
      if (!response.destroyed && !response.headersSent)
        response.writeHead(this.status, this.statusMessage, this.answerHeaders).end(body);
    } else response.end();
    this.settle(null);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const response = this.response;
    response.off('close', this.onClientClose);
    if (this.settled) return;
    // The gateway answered for itself (a 408): the branch's side is only cleaned up.
    if (response.writableEnded && !this.started) return this.settle(null);
    const max = this.options.maxBodyBytes;
    if (error instanceof BodyTooLarge || (error as { cause?: unknown }).cause instanceof BodyTooLarge)
      return this.settle({ status: 413, reason: `the body is over ${max} bytes` });
    if (this.started || response.headersSent || response.destroyed) {
      response.destroy();
      return this.settle(null);
    }
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const cause = ((error as { cause?: NodeJS.ErrnoException }).cause?.code ?? '') as string;
    if (this.retry && !this.hasBody && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')) return this.attempt(false);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
      return this.settle({ status: 504, reason: 'the service did not answer in time' });
    if ([code, cause].some((c) => c === 'ENOENT' || c === 'ECONNREFUSED' || c === 'EACCES'))
      return this.settle({ status: 503, reason: 'the service is not running' });
    this.settle({ status: 502, reason: 'the service broke off its answer' });
  }

  private clientClosed(): void {
    if (!this.response.writableFinished) this.controller?.abort(new Error('the client went away'));
    this.settle(null);
  }

  private settle(failure: ForwardFailure | null): void {
    if (this.settled) return;
    this.settled = true;
    if (this.counted) this.options.share.upstream--;
    this.done(failure);
  }
}

/** The body after `head` (what was read of it already), refused past `max` bytes in all. */
async function* limited(body: http.IncomingMessage, max: number, head: Buffer[], size: number): AsyncGenerator<Buffer> {
  yield* head;
  let received = size;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > max) throw new BodyTooLarge(`the body is over ${max} bytes`);
    yield chunk;
  }
}
