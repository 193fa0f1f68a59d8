// The renderer build as the e2e files call it, several at once: one builds, the others wait for
// it and then find nothing to do, and the page it leaves is whole.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
    expect(await buildRenderer()).toEqual({ built: false });
  }, 180_000);
});
