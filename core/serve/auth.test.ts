// The checks serve makes of every request, on the headers as anyone can send them: none may
// throw, a planted cookie of our name neither stops nor shuts out the user, and calls from other
// pages or in bodies other than JSON are named and refused.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authenticate, presentedCookies } from './auth.ts';
import { bodyTypeRefusal, crossOriginRefusal } from './same-origin.ts';

const PORT = 4321;
const TOKEN = 'the-real-token';
const request = (headers: Record<string, string>, method = 'GET', url = '/trpc/db.add') =>
  ({ headers, method, url }) as unknown as IncomingMessage;

describe('serve authentication', () => {
  it('skips a cookie that is not valid percent-encoding instead of throwing', () => {
    const bad = request({ cookie: `branchyard_token_${PORT}=%E0%A4%A` });
    expect(presentedCookies(bad, PORT)).toEqual([]);
    expect(authenticate(bad, PORT, TOKEN)).toBeUndefined();
  });

  it('accepts the user when a planted cookie of the same name comes first', () => {
    const both = request({
      cookie: `branchyard_token_${PORT}=%E0%A4%A; other=1; branchyard_token_${PORT}=${encodeURIComponent(TOKEN)}`,
    });
    expect(authenticate(both, PORT, TOKEN)).toBe('cookie');
    expect(
      authenticate(
        request({ cookie: `branchyard_token_${PORT}=wrong; branchyard_token_${PORT + 1}=${TOKEN}` }),
        PORT,
        TOKEN,
      ),
    ).toBeUndefined();
  });

  it('tells a bearer token from the cookie, and a wrong bearer is not rescued by a cookie', () => {
    expect(authenticate(request({ authorization: `Bearer ${TOKEN}` }), PORT, TOKEN)).toBe('bearer');
    expect(
      authenticate(request({ authorization: 'Bearer nope', cookie: `branchyard_token_${PORT}=${TOKEN}` }), PORT, TOKEN),
    ).toBeUndefined();
  });
});

describe('calls from other pages', () => {
  const host = `127.0.0.1:${PORT}`;
  it('takes our own page, a typed address and programs that send neither header', () => {
    expect(
      crossOriginRefusal(request({ host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' }, 'POST')),
    ).toBeUndefined();
    expect(crossOriginRefusal(request({ host, 'sec-fetch-site': 'none' }))).toBeUndefined();
    expect(crossOriginRefusal(request({ host }, 'POST'))).toBeUndefined();
  });

  it('refuses another port of the same host, another site, and an opaque origin', () => {
    expect(crossOriginRefusal(request({ host, 'sec-fetch-site': 'same-site' }, 'POST'))).toContain(
      'Sec-Fetch-Site: same-site',
    );
    expect(crossOriginRefusal(request({ host, 'sec-fetch-site': 'cross-site' }))).toContain('cross-site');
    // Browsers without Fetch Metadata still send Origin with a post.
    expect(crossOriginRefusal(request({ host, origin: 'http://127.0.0.1:9999' }, 'POST'))).toContain(
      'came from http://127.0.0.1:9999, not from http://127.0.0.1:4321',
    );
    expect(crossOriginRefusal(request({ host, origin: 'null' }, 'POST'))).toContain('came from null');
  });

  it('takes bodies only as JSON, and GETs without one', () => {
    expect(bodyTypeRefusal(request({ 'content-type': 'application/json' }, 'POST'))).toBeUndefined();
    expect(bodyTypeRefusal(request({ 'content-type': 'Application/JSON; charset=utf-8' }, 'POST'))).toBeUndefined();
    expect(bodyTypeRefusal(request({}, 'GET'))).toBeUndefined();
    expect(bodyTypeRefusal(request({ 'content-type': 'multipart/form-data; boundary=x' }, 'POST'))).toBe(
      'POST /trpc/db.add: expected a body of type application/json, got multipart/form-data',
    );
    expect(bodyTypeRefusal(request({ 'content-type': 'text/plain' }, 'POST'))).toContain('got text/plain');
    expect(bodyTypeRefusal(request({ 'content-type': 'application/x-www-form-urlencoded' }, 'POST'))).toContain(
      'got application/x-www-form-urlencoded',
    );
    expect(bodyTypeRefusal(request({}, 'POST'))).toContain('got none');
  });
});
