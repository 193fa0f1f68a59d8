import { describe, expect, it } from 'vitest';
import { countTokens, cutToTokens } from './index.ts';

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
});
