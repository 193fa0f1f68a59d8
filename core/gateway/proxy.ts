// Forwarding one request to a branch's unix socket and its answer back, streaming both ways,
// over kept-alive connections held by one undici pool per branch socket (its client costs the
// gateway about half of what node:http's does per request). A small answer is sent to the
// client in one write: over TLS that is one record instead of two. A request that dies on a
// kept-alive connection the branch had just closed is sent again once when it has no body (so
// doing it twice cannot matter).
import type http from 'node:http';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

/** Headers about one hop only (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** Answers up to this size are gathered and written at once. */
const GATHER_BYTES = 64 * 1024;

const pools = new Map<string, Pool>();

function poolFor(socketPath: string): Pool {
  let pool = pools.get(socketPath);
  if (!pool) {
    pool = new Pool('http://branch.invalid', { socketPath, connections: 256, pipelining: 1, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 });
    pools.set(socketPath, pool);
  }
  return pool;
}

/** Closes the connections to a branch socket that no route uses any more. */
export async function closeUpstreams(keep: (socketPath: string) => boolean = () => false): Promise<void> {
  const closing = [...pools].filter(([socketPath]) => !keep(socketPath));
  for (const [socketPath] of closing) pools.delete(socketPath);
  await Promise.all(closing.map(([, pool]) => pool.close().catch(() => undefined)));
}

export interface ForwardOptions {
  socketPath: string;
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

export type ForwardFailure = { status: 413 | 502 | 503 | 504; reason: string };

class BodyTooLarge extends Error {}

/**
 * Streams the request to the branch and the answer to the client, then calls `done` with a
 * failure the caller turns into a response when nothing was sent yet; once the branch's answer
 * has started, a failure can only cut the connection.
 */
export function forward(request: http.IncomingMessage, response: http.ServerResponse, options: ForwardOptions, done: (failure: ForwardFailure | null) => void): void {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > options.maxBodyBytes) return done({ status: 413, reason: `the body is over ${options.maxBodyBytes} bytes` });
  const hasBody = declared !== undefined ? declared !== '0' : request.headers['transfer-encoding'] !== undefined;
  new Forwarding(request, response, options, upstreamHeaders(request, options), hasBody, done).attempt(true);
}

/** The request's headers as the branch gets them: no hop-by-hop ones, and who asked, from where. */
function upstreamHeaders(request: http.IncomingMessage, options: ForwardOptions): Record<string, string | string[]> {
  const incoming = request.headers;
  const headers: Record<string, string | string[]> = {};
  const named = incoming.connection?.split(',').map((name) => name.trim().toLowerCase());
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || HOP_BY_HOP.has(name) || (options.stripAuthorization && name === 'authorization') || name.startsWith('x-forwarded-') || named?.includes(name)) continue;
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

  attempt(retry: boolean): void {
    this.retry = retry;
    this.controller = undefined;
    this.started = false;
    this.gathered = null;
    this.response.once('close', this.onClientClose);
    const { request, options } = this;
    poolFor(options.socketPath).dispatch(
      {
        origin: 'http://branch.invalid',
        path: options.target,
        method: (request.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: this.headers,
        body: this.hasBody ? Readable.from(limited(request, options.maxBodyBytes), { objectMode: false }) : null,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, answerHeaders: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    this.started = true;
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
      if (!response.destroyed) response.writeHead(this.status, this.statusMessage, this.answerHeaders).end(body);
    } else response.end();
    this.settle(null);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const response = this.response;
    response.off('close', this.onClientClose);
    if (this.settled) return;
    const max = this.options.maxBodyBytes;
    if (error instanceof BodyTooLarge || (error as { cause?: unknown }).cause instanceof BodyTooLarge) return this.settle({ status: 413, reason: `the body is over ${max} bytes` });
    if (this.started || response.headersSent || response.destroyed) {
      response.destroy();
      return this.settle(null);
    }
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const cause = ((error as { cause?: NodeJS.ErrnoException }).cause?.code ?? '') as string;
    if (this.retry && !this.hasBody && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')) return this.attempt(false);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return this.settle({ status: 504, reason: 'the service did not answer in time' });
    if ([code, cause].some((c) => c === 'ENOENT' || c === 'ECONNREFUSED' || c === 'EACCES')) return this.settle({ status: 503, reason: 'the service is not running' });
    this.settle({ status: 502, reason: 'the service broke off its answer' });
  }

  private clientClosed(): void {
    if (!this.response.writableFinished) this.controller?.abort(new Error('the client went away'));
    this.settle(null);
  }

  private settle(failure: ForwardFailure | null): void {
    if (this.settled) return;
    this.settled = true;
    this.done(failure);
  }
}

async function* limited(body: http.IncomingMessage, max: number): AsyncGenerator<Buffer> {
  let received = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > max) throw new BodyTooLarge(`the body is over ${max} bytes`);
    yield chunk;
  }
}
