import { describe, expect, it } from 'vitest';
import { countLineTokens, countTokens, cutToTokens } from './index.ts';

describe('tokens', () => {
  it('counts with a real BPE encoding, special-looking text included', () => {
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('a <|endoftext|> b')).toBeGreaterThan(3);
    expect(countTokens('')).toBe(0);
  });

  it('cuts at a token boundary and says when it did', () => {
    const text = 'one two three four five six seven eight nine ten';
    const cut = cutToTokens(text, 4);
    expect(cut).toMatchObject({ cut: true, tokens: 4 });
    expect(text.startsWith(cut.text)).toBe(true);
    expect(countTokens(cut.text)).toBe(4);
    expect(cutToTokens(text, 100)).toEqual({ text, tokens: countTokens(text), cut: false });
  });

  it('counts a log line by its parts exactly as the whole line with its newline', () => {
    // A seeded generator, so a failure can be run again.
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const printable = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i));
    const word = () =>
      Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
        random() < 0.5 ? pick(printable) : pick(['a', 'e', 'GET', 'ms', '0', '12', '.', '/', ')', "'s", '-', ':', 'Z']),
      ).join('');
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const at = new Date(Date.UTC(2026, 10, 22, 3, 0, 0) + Math.floor(random() * 1e8)).toISOString();
      lines.push(
        `${at} development ${pick(['GET', 'POST', 'DELETE'])} /notes/${word()} ${pick([200, 404, 502])} ${Math.floor(random() * 99999) / 100}ms ${Math.floor(random() * 5000)}B 127.0.0.1 ${pick(['proxied', 'refused (basic auth: no credentials)', 'docs user=alice'])}`,
      );
      lines.push(Array.from({ length: 1 + Math.floor(random() * 8) }, word).join(' '));
      // Lines off the fast path: double spaces, tabs, non-ASCII, a trailing space.
      lines.push(`${word()}  ${word()}`, `${word()}\t${word()}`, `caf\u00e9 ${word()}`, `${word()} `);
    }
    const wrong = lines.filter((line) => countLineTokens(line) !== countTokens(`${line}\n`));
    expect(wrong).toEqual([]);
    // The same lines again come from the remembered parts, with the same counts.
    expect(lines.filter((line) => countLineTokens(line) !== countTokens(`${line}\n`))).toEqual([]);
    // Remembered tails (all after the first space) under new first words: any word, valid or not.
    const tails = lines.filter((_, i) => i % 6 === 0).map((line) => line.slice(line.indexOf(' ')));
    const again = tails.flatMap((tail) => [
      `${word()}${tail}`,
      `${Math.floor(random() * 1e6) / 1000}${tail}`,
      `caf\u00e9${tail}`,
      `x\ty${tail}`,
      `${tail.slice(1)}${tail}`,
    ]);
    expect(again.filter((line) => countLineTokens(line) !== countTokens(`${line}\n`))).toEqual([]);
  });
});
