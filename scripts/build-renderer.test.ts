// The renderer build as the e2e files call it, several at once: one builds, the others wait for
// it and then find nothing to do, and the page it leaves is whole.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildRenderer } from './build-renderer.ts';

const OUT = fileURLToPath(new URL('../dist/renderer/', import.meta.url));

describe('the renderer build', () => {
  it('builds once for callers that come together, then skips while its inputs stay the same', async () => {
    const results = await Promise.all([buildRenderer({ force: true }), buildRenderer(), buildRenderer()]);
    expect(results.map((r) => r.built)).toEqual([true, false, false]);
    expect(await readFile(`${OUT}index.html`, 'utf8')).toContain('<script');
    expect(existsSync(`${OUT}.inputs`)).toBe(true);
    // React's production build, though vitest runs this with NODE_ENV=test: none of its development
    // build's warnings, whose checks on every element made each interaction several times slower.
    const scripts = (await readdir(`${OUT}assets`)).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts)
      expect(await readFile(`${OUT}assets/${script}`, 'utf8')).not.toContain(
        'Each child in a list should have a unique',
      );
    expect(await buildRenderer()).toEqual({ built: false });
  }, 180_000);
});
