import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { unauthorized, wantsPage } from './sign-in-page.ts';

function answer(accept: string | undefined) {
  const written: { status?: number; headers?: Record<string, string>; body?: string } = {};
  const response = {
    writeHead(status: number, headers: Record<string, string>) {
      Object.assign(written, { status, headers });
      return this;
    },
    end(body: string) {
      written.body = body;
    },
  } as unknown as ServerResponse;
  unauthorized({ headers: accept === undefined ? {} : { accept } } as IncomingMessage, response);
  return written;
}

describe('the answer without a token', () => {
  it('is a page saying how to get in for a browser, still 401', () => {
    const page = answer('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');
    expect(page.status).toBe(401);
    expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers?.['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('<h1>This Branchyard engine needs its token</h1>');
    expect(page.body).toContain('When the engine starts, it prints an address with a token');
    expect(page.body).not.toContain('<script');
  });

  it('stays JSON for scripts and fetch calls', () => {
    for (const accept of [undefined, '*/*', 'application/json']) {
      const json = answer(accept);
      expect(json.status).toBe(401);
      expect(JSON.parse(json.body ?? '')).toEqual({
        error: 'unauthorized: open the address with the token that the engine printed when it started',
      });
    }
    expect(wantsPage({ headers: { accept: 'application/json, text/plain' } } as IncomingMessage)).toBe(false);
  });
});
