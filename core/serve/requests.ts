// What serve does with one request, in order: our own host names only; the token traded for a
// cookie; the token required; calls to the router only from our own page and only as JSON;
// otherwise the built renderer. A request that fails in a way nobody foresaw is answered 500
// and reported: one request must never stop the engine that every other one relies on.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { describeError } from '../errors/index.ts';
import { authenticate, cookieName, hostAllowed, tokensMatch } from './auth.ts';
import { bodyTypeRefusal, crossOriginRefusal } from './same-origin.ts';
import { unauthorized } from './sign-in-page.ts';
import { serveStatic } from './static-files.ts';

export interface RequestHandlerOptions {
  token: string;
  /** Known once the server listens (port 0 picks one). */
  port: () => number;
  rendererDir: string;
  trpc: RequestListener;
  /**
   * GitHub's webhooks (issue 22), on a path of their own: GitHub holds no access token and may
   * reach this engine through a tunnel under another host name; the webhook's signature is what
   * lets a delivery in (core/github).
   */
  webhook?: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** Told of a request that failed unexpectedly, after it was answered 500. */
  onError: (message: string) => void;
}

export function createRequestHandler(options: RequestHandlerOptions): RequestListener {
  const fail = (request: IncomingMessage, response: ServerResponse, error: unknown) => {
    options.onError(`${request.method ?? '?'} ${request.url?.split('?')[0] ?? ''} failed: ${describeError(error)}`);
    if (response.headersSent) return void response.destroy();
    response
      .writeHead(500, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: 'the engine failed to answer this request; its output says why' }));
  };
  return (request, response) => {
    try {
      handle(options, request, response, (error) => fail(request, response, error));
    } catch (error) {
      fail(request, response, error);
    }
  };
}

function handle(
  options: RequestHandlerOptions,
  request: IncomingMessage,
  response: ServerResponse,
  fail: (error: unknown) => void,
): void {
  const port = options.port();
  response.setHeader('referrer-policy', 'no-referrer');
  // No other page may frame ours and have the user click on it.
  response.setHeader('x-frame-options', 'DENY');
  if (options.webhook && request.url?.startsWith('/hooks/github/'))
    return void options.webhook(request, response).catch(fail);
  if (!hostAllowed(request, port))
    return void response.writeHead(421, { 'content-type': 'text/plain' }).end('unknown host');
  let url: URL;
  try {
    url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
  } catch {
    return void refuse(response, 400, `${request.url ?? ''} is not a path this engine can read`);
  }
  const toRouter = url.pathname.startsWith('/trpc/');
  const elsewhere = toRouter ? crossOriginRefusal(request) : undefined;
  if (elsewhere) return void refuse(response, 403, elsewhere);
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) {
    if (!tokensMatch(options.token, fromQuery)) return void unauthorized(request, response);
    // Trade the URL's token for a cookie, and drop it from the address bar and history.
    response.writeHead(302, {
      'set-cookie': `${cookieName(port)}=${encodeURIComponent(options.token)}; HttpOnly; SameSite=Strict; Path=/`,
      location: '/',
    });
    return void response.end();
  }
  if (!authenticate(request, port, options.token)) return void unauthorized(request, response);
  if (!toRouter) return void serveStatic(options.rendererDir, url.pathname, response).catch(fail);
  const badBody = bodyTypeRefusal(request);
  if (badBody) return void refuse(response, 415, badBody);
  options.trpc(request, response);
}

function refuse(response: ServerResponse, status: number, error: string): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
}
