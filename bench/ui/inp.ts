// Benchmark (issue 19): interaction to next paint in Chromium against a real engine, for the
// window's heavy steps: switching tabs, selecting a branch, opening a diff of a 2,000-line file,
// a chat of 500 revisions, a log file of 12k tokens, typing in the log filter. Each step is run
// on a loaded workspace and, as the reference, the same step on an empty one (one small branch,
// one revision, a short log), in the same run; the figures are the p75 of the interactions'
// durations as the browser's Event Timing API reports them (what Web Vitals calls INP).
//   npm run bench:ui [-- --revisions 500 --repeat 12]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { scriptedLlm } from '../../core/agent/fixtures/scripted-llm.ts';
import { useFreePorts } from '../../core/gateway/fixtures/gateway-fixture.ts';
import { tempDir } from '../../core/testing/index.ts';
import { workspacePaths } from '../../core/workspace/index.ts';
import { callApi } from '../../e2e/support/api.ts';
import { launchBrowser } from '../../e2e/support/browser.ts';
import type { ServeProcess } from '../../e2e/support/engine.ts';
import { runCli, startServeProcess } from '../../e2e/support/engine.ts';
import { buildRenderer } from '../../scripts/build-renderer.ts';

const { values } = parseArgs({
  options: { revisions: { type: 'string', default: '500' }, repeat: { type: 'string', default: '12' } },
});
const REVISIONS = Number(values.revisions);
const REPEAT = Number(values.repeat);

interface Shape {
  fileLines: number;
  revisions: number;
  logTokens: number;
}
const LOADED: Shape = { fileLines: 2000, revisions: REVISIONS, logTokens: 12_000 };
const EMPTY: Shape = { fileLines: 3, revisions: 1, logTokens: 30 };

async function prepare(
  root: string,
  name: string,
  shape: Shape,
): Promise<{ serve: ServeProcess; close(): Promise<void> }> {
  const workspace = path.join(root, name);
  await runCli(['init', workspace]);
  await useFreePorts(workspacePaths(workspace));
  // The agent's stand-in: each prompt ends at once with a question (one call each).
  const llm = await scriptedLlm(
    Array.from({ length: shape.revisions }, (_, i) => ({
      reply: {
        content: `Revision ${i + 1}: which fields should the **user** have?`,
        toolCalls: [{ name: 'ask_user', arguments: { questions: ['Which fields?'] } }],
      },
    })),
  );
  const config = path.join(workspace, 'ai', 'config.json');
  await writeFile(
    config,
    JSON.stringify(
      {
        ...(JSON.parse(await readFile(config, 'utf8')) as object),
        provider: 'test',
        baseUrl: llm.baseUrl,
        model: 'scripted/model',
      },
      null,
      2,
    ),
  );
  const serve = await startServeProcess(workspace, { BRANCHYARD_RUNTIME: 'host', BRANCHYARD_AI_KEY: 'sk-bench' });
  await callApi(serve, 'codebase.add', { name: 'users' });
  await callApi(serve, 'codebase.add', { name: 'orders' });
  const change = path.join(root, `${name}-change`, 'src', 'features', 'users', 'controllers');
  await mkdir(change, { recursive: true });
  const rows = Array.from(
    { length: shape.fileLines - 2 },
    (_, i) => `  { id: ${i + 1}, name: 'user ${i + 1}', email: 'user${i + 1}@example.com' },`,
  );
  await writeFile(path.join(change, 'list-users.ts'), `const USERS = [\n${rows.join('\n')}\n];\n`);
  await callApi(serve, 'branch.new', {
    codebase: 'users',
    dir: path.join(root, `${name}-change`),
    message: 'List users',
  });
  // A log of about the tokens asked for (an access line is ~24 tokens).
  const logs = path.join(root, `${name}-logs`, 'codebases', 'users', 'branches', '00002', 'api-gateway');
  await mkdir(logs, { recursive: true });
  const lines = Array.from(
    { length: Math.ceil(shape.logTokens / 24) },
    (_, i) =>
      `2026-12-01T12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z development GET /users/list-users?page=${i} ${i % 7 ? 200 : 404} ${(i % 97) / 10}ms 312B 127.0.0.1 proxied`,
  );
  await writeFile(
    path.join(logs, `${Math.ceil(shape.logTokens / 1000)}k-20261201-120000.log`),
    `${lines.join('\n')}\n`,
  );
  for (let i = 0; i < shape.revisions; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, shape.revisions - i) }, () =>
        callApi(serve, 'agent.prompt', { codebase: 'users', text: 'Add a route that lists users with pagination' }),
      ),
    );
  }
  // Every revision has asked its question.
  for (let waited = 0; waited < 600_000; waited += 1000) {
    const list = await callApi<{ status: string }[]>(serve, 'revision.list', { codebase: 'users' }, 'query');
    if (list.filter((r) => r.status !== 'open' && r.status !== 'running').length >= shape.revisions) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return {
    serve,
    close: async () => {
      await serve.stop();
      await llm.close();
    },
  };
}

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
    figures[step.name] = p75(await interactions(page));
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
