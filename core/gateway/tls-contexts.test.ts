// The bound on a gateway's TLS contexts: past it the least recently used name is dropped, not
// every name, and a name whose certificate could not be made is tried again.
import { describe, expect, it } from 'vitest';
import { TlsContexts } from './tls-contexts.ts';

describe('TlsContexts', () => {
  it('drops the least recently used name past the bound and keeps the others', async () => {
    const made: string[] = [];
    const contexts = new TlsContexts(3, async (name) => (made.push(name), `context of ${name}`));
    for (const name of ['a', 'b', 'c']) await contexts.get(name);
    // a is used again: b is now the least recently used.
    expect(await contexts.get('a')).toBe('context of a');
    await contexts.get('d');
    expect(contexts.size).toBe(3);
    for (const name of ['a', 'c', 'd']) await contexts.get(name);
    expect(made).toEqual(['a', 'b', 'c', 'd']);
    await contexts.get('b');
    expect(made).toEqual(['a', 'b', 'c', 'd', 'b']);
  });

  it('makes a context once for handshakes that ask together', async () => {
    let calls = 0;
    const contexts = new TlsContexts(10, async (name) => (calls++, name));
    await Promise.all([contexts.get('x'), contexts.get('x'), contexts.get('x')]);
    expect(calls).toBe(1);
  });

  it('does not keep a failure: the next handshake for the name tries again', async () => {
    let calls = 0;
    const contexts = new TlsContexts(10, async (name) => {
      if (++calls === 1) throw new Error('the CA could not sign');
      return name;
    });
    await expect(contexts.get('x')).rejects.toThrow('the CA could not sign');
    expect(await contexts.get('x')).toBe('x');
    expect(calls).toBe(2);
  });
});
