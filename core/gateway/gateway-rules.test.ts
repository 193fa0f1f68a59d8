import { describe, expect, it } from 'vitest';
import { accessPolicy, BasicAuthChecker, ipAllowed } from './access.ts';
import { parseHostHeader } from './host-names.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { hasManyHosts } from './request-facts.ts';
import { checkRequestTarget, PathMatcher } from './request-path.ts';

describe('request targets', () => {
  it('decodes each segment once and refuses what could mean another path to the branch', () => {
    expect(checkRequestTarget('/notes/get-note?id=a%2Fb')).toEqual({
      ok: true,
      path: '/notes/get-note',
      segments: ['notes', 'get-note'],
      query: '?id=a%2Fb',
    });
    expect(checkRequestTarget('/a%20b/')).toMatchObject({ ok: true, segments: ['a b'] });
    for (const bad of [
      '/a/../b',
      '/%2e%2e/b',
      '/a%2fb',
      '/a%5cb',
      '/a\\b',
      '//a',
      '/a/%252e%252e',
      '/a%00',
      '/%zz',
      'http://evil/a',
      '*',
      '/a#b',
    ]) {
      expect(checkRequestTarget(bad).ok, bad).toBe(false);
    }
  });

  it('matches OpenAPI paths, literals before parameters, and says which methods a path takes', () => {
    const matcher = new PathMatcher({ '/notes/{id}': { get: {}, delete: {} }, '/notes/new': { post: {} } });
    expect(matcher.match(['notes', 'new'], 'POST')).toEqual({ kind: 'route', template: '/notes/new' });
    expect(matcher.match(['notes', '42'], 'GET')).toEqual({ kind: 'route', template: '/notes/{id}' });
    expect(matcher.match(['notes', '42'], 'HEAD')).toEqual({ kind: 'route', template: '/notes/{id}' });
    expect(matcher.match(['notes', '42'], 'PUT')).toEqual({ kind: 'method', allow: ['GET', 'DELETE'] });
    expect(matcher.match(['notes'], 'GET')).toEqual({ kind: 'none' });
  });
});

describe('host headers', () => {
  it('lowercases, drops the port and a trailing dot, and refuses what is not a host name', () => {
    expect(parseHostHeader('Users.Development.WS.localhost.:7443')).toBe('users.development.ws.localhost');
    expect(parseHostHeader('[::1]:7443')).toBe('[::1]');
    for (const bad of [
      undefined,
      '',
      'a b',
      'bad_host!',
      'a..b',
      'x:y:z',
      '[zz]',
      `${'a'.repeat(301)}`,
      'a.localhost:65536',
      'a.localhost:99999',
      '[::1]:70000',
    ])
      expect(parseHostHeader(bad), String(bad)).toBeNull();
    expect(parseHostHeader('a.localhost:65535')).toBe('a.localhost');
  });

  it('tells a request with two Host headers, in any case, from one with one', () => {
    expect(hasManyHosts(['Host', 'a', 'Accept', '*/*', 'Date', 'x'])).toBe(false);
    expect(hasManyHosts(['Host', 'a', 'Accept', '*/*', 'host', 'b'])).toBe(true);
    expect(hasManyHosts(['HOST', 'a', 'hOsT', 'a'])).toBe(true);
    expect(hasManyHosts([])).toBe(false);
  });
});

describe('access', () => {
  it('deny wins over allow, for IPv4, IPv6 and IPv4-mapped addresses', () => {
    const policy = accessPolicy(
      { allow: ['10.0.0.0/8', 'fd00::/8'], deny: ['10.1.0.0/16', 'fd00::1'] },
      undefined,
      'r',
    );
    expect(ipAllowed(policy, '10.2.3.4')).toBe(true);
    expect(ipAllowed(policy, '::ffff:10.2.3.4')).toBe(true);
    expect(ipAllowed(policy, '10.1.3.4')).toBe(false);
    expect(ipAllowed(policy, '192.168.1.1')).toBe(false);
    expect(ipAllowed(policy, 'fd00::2')).toBe(true);
    expect(ipAllowed(policy, 'fd00::1')).toBe(false);
    expect(ipAllowed(accessPolicy({ allow: [], deny: [] }, undefined, 'r'), '203.0.113.9')).toBe(true);
  });

  it('checks scrypt and bcrypt hashes, and locks out an address after repeated wrong attempts', async () => {
    const hash = await hashPassword('s3cret-pass');
    expect(await verifyPassword('s3cret-pass', hash)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', hash)).toBe(false);
    // A bcrypt hash of "password" at cost 4, as htpasswd -B would store it.
    const bcrypt = '$2b$04$X88btDH/YVWAjCKJdCviiuP/PrJVzrEnjPymo4b/fVpdIUAW5f8X2';
    expect(await verifyPassword('password', bcrypt)).toBe(true);
    expect(await verifyPassword('Password', bcrypt)).toBe(false);
    let now = 1_000_000;
    const checker = new BasicAuthChecker(
      { maxFailures: 3, windowMs: 60_000, lockoutMs: 30_000, cacheMs: 60_000 },
      () => now,
    );
    const users = { realm: 'r', users: new Map([['alice', hash]]) };
    const header = (p: string) => `Basic ${Buffer.from(`alice:${p}`).toString('base64')}`;
    expect(await checker.check(users, header('s3cret-pass'), '1.2.3.4')).toEqual({ ok: true, user: 'alice' });
    for (let i = 0; i < 3; i++) expect((await checker.check(users, header('nope'), '1.2.3.4')).ok).toBe(false);
    expect(await checker.check(users, header('s3cret-pass'), '1.2.3.4')).toEqual({
      ok: false,
      reason: 'rate-limited',
      retryAfterSeconds: 30,
    });
    expect((await checker.check(users, header('s3cret-pass'), '5.6.7.8')).ok).toBe(true);
    now += 31_000;
    expect((await checker.check(users, header('s3cret-pass'), '1.2.3.4')).ok).toBe(true);
  });
});
