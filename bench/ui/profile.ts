// Where the time of two window steps goes: a CPU profile (Chrome DevTools Protocol) of eight branch
// selections and eight thread switches on a workspace of N revisions (bench/ui/workspace.ts), its
// self time summed by function and mapped through the renderer's source maps to its source line.
//   node --import tsx bench/ui/profile.ts [revisions, default 200]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceMapConsumer } from 'source-map-js';
import type { Page } from 'playwright-core';
import { tempDir } from '../../core/testing/index.ts';
import { launchBrowser } from '../../e2e/support/browser.ts';
import { buildRenderer } from '../../scripts/build-renderer.ts';
import { prepare } from './workspace.ts';

const REV = Number(process.argv[2] ?? 200);
const ASSETS = fileURLToPath(new URL('../../dist/renderer/assets/', import.meta.url));
await buildRenderer();
const tmp = await tempDir();
const w = await prepare(tmp.path, 'loaded', { fileLines: 2000, revisions: REV, logTokens: 12000 });
const browser = await launchBrowser();
const page = await browser.context.newPage();
await page.setViewportSize({ width: 1280, height: 720 });
await page.goto(w.serve.loginUrl);
while ((await page.locator('.connection').textContent()) !== 'live') await page.waitForTimeout(200);
const codebase = page.locator('button.codebase', { hasText: 'users' });
if ((await codebase.getAttribute('aria-expanded')) !== 'true') await codebase.click();
await page.getByTestId('branch-users-00002').waitFor();
await page.getByTestId('tab-chat').click();
await page.waitForTimeout(3000);
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
const maps = new Map<string, SourceMapConsumer | null>();
function mapOf(url: string) {
  if (!maps.has(url)) {
    const file = path.join(ASSETS, path.basename(new URL(url).pathname));
    try {
      maps.set(url, new SourceMapConsumer(JSON.parse(readFileSync(`${file}.map`, 'utf8'))));
    } catch {
      maps.set(url, null);
    }
  }
  return maps.get(url);
}
async function profile(name: string, act: (page: Page, i: number) => Promise<void>) {
  await cdp.send('Profiler.start');
  const t = Date.now();
  for (let i = 0; i < 8; i++) {
    await act(page, i);
    await page.waitForTimeout(300);
  }
  const { profile: p } = (await cdp.send('Profiler.stop')) as {
    profile: {
      nodes: {
        id: number;
        callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
      }[];
      samples: number[];
      timeDeltas: number[];
    };
  };
  const self = new Map<string, number>();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((id, k) => {
    const n = byId.get(id)!;
    const f = n.callFrame;
    let key = `${f.functionName || '(anon)'} ${f.url ? path.basename(f.url) : ''}:${f.lineNumber}`;
    if (f.url.includes('/assets/')) {
      const m = mapOf(f.url);
      const o = m?.originalPositionFor({ line: f.lineNumber + 1, column: f.columnNumber });
      if (o?.source) key = `${o.name ?? f.functionName} ${o.source.replace(/.*node_modules\//, '')}:${o.line}`;
    }
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[k] ?? 0) / 1000);
  });
  console.log(`\n== ${name} (${Date.now() - t} ms wall)`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`${v.toFixed(1).padStart(8)} ms  ${k}`);
}
await profile('select a branch', (pg, i) =>
  pg.getByTestId(i % 2 ? 'branch-users-00001' : 'branch-users-00002').click(),
);
await profile('switch thread', (pg, i) => pg.getByTestId(i % 2 ? 'thread-orders' : 'thread-users').click());
await browser.dispose();
await w.close();
await tmp.dispose();
