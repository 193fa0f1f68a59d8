import { describe, expect, it } from 'vitest';
import { countTokens } from '../tokens/index.ts';
import { fillLevel } from './context.ts';

const words = (count: number, word = 'lorem') => Array.from({ length: count }, (_, i) => `${word}${i}`).join(' ');

describe('fillLevel: a context level cut to its token budget', () => {
  it('keeps every section when they fit, in order, and counts the tokens of the text it returns', () => {
    const level = fillLevel('codebase', 1000, [
      { title: 'readme.md', body: 'The users service.' },
      { title: 'context/style.md', body: 'Use zod for every input.' },
    ]);
    expect(level.cut).toEqual([]);
    expect(level.text.indexOf('## readme.md')).toBeLessThan(level.text.indexOf('## context/style.md'));
    expect(level.text).toContain('Use zod for every input.');
    expect(level.tokens).toBe(countTokens(level.text));
  });

  it('cuts the section that passes the budget at a token boundary, marks it, and names it', () => {
    const level = fillLevel('branch', 300, [
      { title: 'small.ts', body: 'export const a = 1;' },
      { title: 'large.ts', body: words(2000) },
    ]);
    expect(level.cut).toEqual(['large.ts']);
    expect(level.text).toContain('## large.ts');
    expect(level.text).toContain('… (cut)');
    expect(level.text).not.toContain('lorem1999');
    expect(countTokens(level.text)).toBeLessThanOrEqual(300);
    expect(level.tokens).toBe(countTokens(level.text));
  });

  it('leaves out a section with too little room for a useful start, yet takes smaller ones after it', () => {
    const level = fillLevel('branch', 200, [
      { title: 'first.ts', body: words(60, 'a') },
      { title: 'huge.ts', body: words(3000, 'b') },
      { title: 'tiny.ts', body: 'export {};' },
    ]);
    expect(level.cut).toEqual(['huge.ts']);
    expect(level.text).not.toContain('huge.ts');
    expect(level.text).toContain('## tiny.ts');
    expect(countTokens(level.text)).toBeLessThanOrEqual(200);
  });

  it('stays within budget whatever the sections, exactly at the edge included', () => {
    for (const budget of [50, 101, 257, 1024]) {
      const level = fillLevel(
        'global',
        budget,
        Array.from({ length: 30 }, (_, i) => ({ title: `shared-context/${i}.md`, body: words(i * 7, `w${i}x`) })),
      );
      expect(countTokens(level.text)).toBeLessThanOrEqual(budget);
      expect(level.tokens).toBe(countTokens(level.text));
    }
  });
});
