// Forwarding one request to a branch's unix socket and its answer back, streaming both ways,
// over kept-alive connections. A request that dies on a kept-alive connection the branch had
// just closed is sent again once when it has no body (so doing it twice cannot matter).
import http from 'node:http';

/** Headers about one hop only (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo', keepAliveMsecs: 1000 });

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
}

export type ForwardFailure = { status: 413 | 502 | 503 | 504; reason: string };

/**
 * Streams the request to the branch and the answer to the client. Resolves with a failure the
 * caller turns into a response when nothing was sent yet; once the branch's answer has started,
 * a failure can only cut the connection.
 */
export function forward(request: http.IncomingMessage, response: http.ServerResponse, options: ForwardOptions): Promise<ForwardFailure | null> {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (HOP_BY_HOP.has(name) || (options.stripAuthorization && name === 'authorization') || name.startsWith('x-forwarded-')) continue;
    headers[name] = value;
  }
  const connection = request.headers.connection;
  if (connection) for (const name of connection.split(',')) delete headers[name.trim().toLowerCase()];
  headers['x-forwarded-for'] = options.clientAddress;
  headers['x-forwarded-proto'] = 'https';
  headers['x-forwarded-host'] = options.host;
  if (request.headers['transfer-encoding']) headers['transfer-encoding'] = 'chunked';

  const hasBody = request.headers['content-length'] !== undefined ? request.headers['content-length'] !== '0' : request.headers['transfer-encoding'] !== undefined;
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > options.maxBodyBytes) return Promise.resolve({ status: 413, reason: `the body is over ${options.maxBodyBytes} bytes` });

  return new Promise((resolve) => {
    const attempt = (retry: boolean) => {
      const upstream = http.request({ socketPath: options.socketPath, agent: upstreamAgent, method: request.method, path: options.target, headers, timeout: options.timeoutMs });
      let settled = false;
      const settle = (failure: ForwardFailure | null) => {
        if (settled) return;
        settled = true;
        resolve(failure);
      };

      upstream.on('response', (answer) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
        answer.pipe(response);
        answer.on('error', () => response.destroy());
        answer.on('end', () => settle(null));
        response.on('close', () => {
          if (!answer.complete) answer.destroy();
          settle(null);
        });
      });
      // A client that goes away takes its request to the branch with it.
      response.once('close', () => {
        if (!response.writableFinished) upstream.destroy();
      });
      upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        if (response.headersSent || response.destroyed) {
          response.destroy();
          return settle(null);
        }
        if (retry && !hasBody && upstream.reusedSocket && error.code === 'ECONNRESET') return attempt(false);
        const code = error.code ?? '';
        if (code === 'ETIMEDOUT') return settle({ status: 504, reason: 'the service did not answer in time' });
        if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') return settle({ status: 503, reason: 'the service is not running' });
        settle({ status: 502, reason: 'the service broke off its answer' });
      });

      if (!hasBody) return void upstream.end();
      let received = 0;
      request.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBodyBytes) {
          request.unpipe(upstream);
          upstream.destroy();
          settle({ status: 413, reason: `the body is over ${options.maxBodyBytes} bytes` });
        }
      });
      request.pipe(upstream);
    };
    attempt(true);
  });
}
