// Benchmark (issue 19): interaction to next paint in Chromium against a real engine, for the
// window's heavy steps: switching tabs, selecting a branch, opening a diff of a 2,000-line file,
// a chat of 500 revisions, a log file of 12k tokens, typing in the log filter. Each step is run
// on a loaded workspace and, as the reference, the same step on an empty one (one small branch,
// one revision, a short log), in the same run; the figures are the p75 of the interactions'
// durations as the browser's Event Timing API reports them (what Web Vitals calls INP).
//   npm run bench:ui [-- --revisions 500 --repeat 12]
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { tempDir } from '../../core/testing/index.ts';
import { launchBrowser } from '../../e2e/support/browser.ts';
import type { ServeProcess } from '../../e2e/support/engine.ts';
import { buildRenderer } from '../../scripts/build-renderer.ts';
import type { Shape } from './workspace.ts';
import { prepare } from './workspace.ts';

const { values } = parseArgs({
  options: {
    revisions: { type: 'string', default: '500' },
    repeat: { type: 'string', default: '12' },
    // Only the steps whose names hold one of these words (comma-separated), e.g. --only diff,log.
    only: { type: 'string' },
    // Each interaction's duration, not only the p75.
    verbose: { type: 'boolean', default: false },
  },
});
const REVISIONS = Number(values.revisions);
const REPEAT = Number(values.repeat);
const ONLY = values.only?.split(',') ?? [];
const LOADED: Shape = { fileLines: 2000, revisions: REVISIONS, logTokens: 12_000 };
const EMPTY: Shape = { fileLines: 3, revisions: 1, logTokens: 30 };

/** The interactions' durations (ms) since the page's last reset, one per interaction. */
async function interactions(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    (window as unknown as { __inp: Map<number, number> }).__inp
      ? [...(window as unknown as { __inp: Map<number, number> }).__inp.values()]
      : [],
  );
}

async function observe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __inp: Map<number, number> };
    w.__inp = new Map();
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEventTiming & { interactionId?: number })[]) {
        if (!e.interactionId) continue;
        w.__inp.set(e.interactionId, Math.max(w.__inp.get(e.interactionId) ?? 0, e.duration));
      }
    }).observe({ type: 'event', buffered: false, durationThreshold: 0 } as PerformanceObserverInit);
  });
}

const reset = (page: Page) => page.evaluate(() => (window as unknown as { __inp: Map<number, number> }).__inp.clear());
const settle = (page: Page) =>
  page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 50)))),
  );

function p75(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.75) - 1)] ?? Number.NaN;
}

type Step = { name: string; run(page: Page, i: number): Promise<void> };

const STEPS: Step[] = [
  { name: 'switch tabs', run: async (page, i) => page.getByTestId(i % 2 ? 'tab-chat' : 'tab-branch').click() },
  {
    name: 'select a branch',
    run: async (page, i) => page.getByTestId(i % 2 ? 'branch-users-00001' : 'branch-users-00002').click(),
  },
  {
    name: 'open the diff (file of N lines)',
    run: async (page, i) => {
      await page.getByTestId('branch-users-00002').click();
      await page.getByTestId(i % 2 ? 'tab-chat' : 'tab-diff').click();
    },
  },
  {
    name: 'chat of N revisions (switch thread)',
    run: async (page, i) => page.getByTestId(i % 2 ? 'thread-orders' : 'thread-users').click(),
  },
  {
    name: 'open a log file (N tokens)',
    run: async (page, i) => {
      const files = page.getByTestId('log-files').getByRole('button');
      await files.first().click();
      if (i % 2) await page.getByTestId('tab-chat').click();
    },
  },
  {
    name: 'type in the log filter',
    run: async (page, i) => page.getByTestId('log-filter').press(i % 5 === 4 ? 'Backspace' : String(i % 10)),
  },
];

async function measure(page: Page, serve: ServeProcess): Promise<Record<string, number>> {
  await page.goto(serve.loginUrl);
  for (let waited = 0; (await page.locator('.connection').textContent()) !== 'live'; waited += 200) {
    if (waited > 30_000) throw new Error('the window did not connect to the engine in 30 s');
    await page.waitForTimeout(200);
  }
  const codebase = page.locator('button.codebase', { hasText: 'users' });
  if ((await codebase.getAttribute('aria-expanded')) !== 'true') await codebase.click();
  await page.getByTestId('branch-users-00002').waitFor();
  await observe(page);
  const figures: Record<string, number> = {};
  for (const step of STEPS) {
    if (ONLY.length && !ONLY.some((word) => step.name.includes(word))) continue;
    if (step.name.startsWith('open a log') || step.name.startsWith('type in')) {
      await page.getByTestId('branch-users-00002').click();
      await page.keyboard.press('Alt+7');
      await page.getByTestId('log-files').getByRole('button').first().waitFor({ timeout: 30_000 });
      if (step.name.startsWith('type in')) {
        await page.getByTestId('log-files').getByRole('button').first().click();
        await page.getByTestId('log-row').first().waitFor({ timeout: 30_000 });
        await page.getByTestId('log-filter').click();
      }
    }
    if (step.name.startsWith('chat')) await page.getByTestId('tab-chat').click();
    await settle(page);
    await reset(page);
    for (let i = 0; i < REPEAT; i++) {
      await step.run(page, i);
      await settle(page);
    }
    const durations = await interactions(page);
    if (values.verbose) console.log(`${step.name}: ${durations.map((d) => d.toFixed(0)).join(' ')}`);
    figures[step.name] = p75(durations);
  }
  return figures;
}

const tmp = await tempDir();
try {
  await buildRenderer();
  console.log(
    `preparing two workspaces: loaded (${LOADED.fileLines}-line file, ${LOADED.revisions} revisions, ${LOADED.logTokens} log tokens) and empty…`,
  );
  const loaded = await prepare(tmp.path, 'loaded', LOADED);
  const empty = await prepare(tmp.path, 'empty', EMPTY);
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 720 });
    const reference = await measure(page, empty.serve);
    const measured = await measure(page, loaded.serve);
    console.log(`\ninteraction to next paint, p75 of ${REPEAT} (goal ≤ 100 ms; Web Vitals: ≤ 200 ms good)`);
    console.log(`${'step'.padEnd(40)} ${'loaded'.padStart(9)} ${'empty'.padStart(9)} ${'ratio'.padStart(7)}`);
    for (const step of STEPS) {
      if (!(step.name in measured)) continue;
      const a = measured[step.name]!;
      const b = reference[step.name]!;
      console.log(
        `${step.name.padEnd(40)} ${`${a.toFixed(0)} ms`.padStart(9)} ${`${b.toFixed(0)} ms`.padStart(9)} ${`${(a / Math.max(b, 1)).toFixed(2)}×`.padStart(7)}`,
      );
    }
  } finally {
    await browser.dispose();
    await loaded.close();
    await empty.close();
  }
} finally {
  await tmp.dispose();
}
