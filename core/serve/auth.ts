// `serve` answers only its own user: a random token, given once in the printed URL, then kept
// in an HttpOnly cookie (or sent as a bearer token by scripts). Without it: 401 and no data.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function cookieName(port: number): string {
  // Cookies ignore ports: two engines on one host need different names.
  return `branchyard_token_${port}`;
}

export function presentedToken(request: IncomingMessage, port: number): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const cookies = request.headers.cookie?.split(';') ?? [];
  for (const cookie of cookies) {
    const [name, ...value] = cookie.trim().split('=');
    if (name === cookieName(port)) return decodeURIComponent(value.join('='));
  }
  return undefined;
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
