// Calls to the router come only from serve's own page or from programs that are not browsers.
// The token cookie does not stop other pages: a page on another port of 127.0.0.1 is the same
// *site* (ports do not count), so the browser sends our SameSite=Strict cookie with its form
// posts and no-cors fetches. Those are refused by where they come from, and by a body type that
// such a page cannot send without asking first (a CORS preflight, which is refused too).
import type { IncomingMessage } from 'node:http';

/**
 * Why a request to the router is refused as coming from another page, or undefined when it
 * comes from our own page (`Sec-Fetch-Site: same-origin`), from the user typing the address
 * (`none`), or from a program that sends neither header (the CLI with its bearer token).
 */
export function crossOriginRefusal(request: IncomingMessage): string | undefined {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `the request came from another page (Sec-Fetch-Site: ${site}); the engine takes calls only from its own page`;
  }
  const origin = request.headers.origin;
  // The Host header was checked against our own names before this.
  if (origin !== undefined && origin !== `http://${request.headers.host}`) {
    return `the request came from ${origin}, not from http://${request.headers.host}; the engine takes calls only from its own page`;
  }
  return undefined;
}

/**
 * Why a request's body type is refused, or undefined: the UI and the CLI send calls with a body
 * only as JSON (queries and subscriptions are GETs without one). Form posts and plain text are
 * what other pages can send without a preflight; the router would otherwise read them too.
 */
export function bodyTypeRefusal(request: IncomingMessage): string | undefined {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return undefined;
  return `${request.method} ${request.url?.split('?')[0] ?? ''}: expected a body of type application/json, got ${type ? type : 'none'}`;
}
