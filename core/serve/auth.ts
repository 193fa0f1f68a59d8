// `serve` answers only its own user: a random token, given once in the printed URL, then kept
// in an HttpOnly cookie (or sent as a bearer token by scripts). Without it: 401 and no data.
// Everything here reads headers anyone can send, so nothing here may throw.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function cookieName(port: number): string {
  // Cookies ignore ports: two engines on one host need different names.
  return `branchyard_token_${port}`;
}

/** How a request proved it holds the token: a bearer header (the CLI, scripts) or the window's cookie. */
export type Credential = 'bearer' | 'cookie';

export function authenticate(request: IncomingMessage, port: number, token: string): Credential | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer '))
    return tokensMatch(token, header.slice('Bearer '.length).trim()) ? 'bearer' : undefined;
  // Every cookie of our name is tried: a page on another port of this host can set one of the
  // same name (cookies ignore ports) with a longer path, which the browser then sends first.
  return presentedCookies(request, port).some((value) => tokensMatch(token, value)) ? 'cookie' : undefined;
}

/** The values of our token cookie; a value that is not valid percent-encoding is skipped. */
export function presentedCookies(request: IncomingMessage, port: number): string[] {
  const values: string[] = [];
  for (const cookie of request.headers.cookie?.split(';') ?? []) {
    const [name, ...value] = cookie.trim().split('=');
    if (name !== cookieName(port)) continue;
    const decoded = decodeCookie(value.join('='));
    if (decoded !== undefined) values.push(decoded);
  }
  return values;
}

function decodeCookie(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined; // URIError: `%E0%A4%A` and the like, planted by anyone
  }
}

export function tokensMatch(expected: string, presented: string | undefined | null): boolean {
  if (!presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Only our own names may reach us: a page elsewhere that rebinds its DNS name to 127.0.0.1
 * sends its own Host header, and is refused.
 */
export function hostAllowed(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}
