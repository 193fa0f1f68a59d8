// The API explorer, the AI set-up and the dialogs in a real browser against a real engine and a
// branch it serves: the development gateway's merged OpenAPI document in Swagger UI, a try-it call
// answered by the branch through the engine (the page never loads an https address it would have
// to warn about); a key given to the engine that survives a reload and is in no file; "Test
// connection" against a scripted provider; the protected gateway's question with its summary
// rendered; a status bar that fits at 1280×720.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { scriptedLlm } from '../core/agent/fixtures/scripted-llm.ts';
import { useFreePorts } from '../core/gateway/fixtures/gateway-fixture.ts';
import { workspacePaths } from '../core/workspace/index.ts';
import { seriousViolations } from './support/axe.ts';
import { ARTIFACTS } from './support/browser.ts';
import { callApi } from './support/api.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

vi.setConfig({ hookTimeout: 600_000, testTimeout: 300_000 });

const KEY = 'sk-e2e-explorer-held-in-memory-42';
const s = useServedWorkspace('explorer', async (workspace) => void (await useFreePorts(workspacePaths(workspace))), {
  BRANCHYARD_RUNTIME: 'host',
  // Whatever the machine has: this engine starts without a key.
  BRANCHYARD_AI_KEY: '',
});
const SHOTS = path.join(ARTIFACTS, 'api-explorer');

beforeAll(async () => {
  await callApi(s.serve, 'codebase.add', { name: 'users' });
  const change = path.join(s.tmp, 'change');
  await mkdir(path.join(change, 'src', 'features', 'users', 'controllers'), { recursive: true });
  await writeFile(
    path.join(change, 'src', 'features', 'users', 'controllers', 'list-users.ts'),
    "export function listUsers(): { users: string[] } {\n  return { users: ['ada', 'grace'] };\n}\n",
  );
  await callApi(s.serve, 'branch.new', { codebase: 'users', dir: change, message: 'List users' });
  // Started, development (which follows the newest branch) serves it.
  await callApi(s.serve, 'runtime.run', { codebase: 'users', branch: 2 });
  await mkdir(SHOTS, { recursive: true });
}, 600_000);

async function open(page: Page, size = { width: 1280, height: 720 }): Promise<void> {
  await page.setViewportSize(size);
  await page.goto(s.serve.loginUrl);
  await expect.poll(() => page.locator('.connection').textContent(), { timeout: 90_000 }).toBe('live');
}

describe('the API explorer and the AI set-up', () => {
  it('shows the gateway’s operations from its real document and sends a try-it call through the engine, without a certificate warning', async () => {
    // The document as the engine reads it from the gateway: the path of listUsers.
    // (Polled: the gateway lists the branch once it answers for its own document.)
    const operations = async () => {
      const { document } = await callApi<{ document: { paths: Record<string, Record<string, unknown>> } }>(
        s.serve,
        'explorer.document',
        { gateway: 'development' },
        'query',
      );
      // listUsers, the branch's own route (the boilerplate's routes are there too).
      return Object.entries(document.paths).filter(
        ([route, ops]) => /list-?users/i.test(`${route} ${JSON.stringify(ops)}`) && ('get' in ops || 'post' in ops),
      );
    };
    await expect.poll(async () => (await operations()).length, { timeout: 120_000 }).toBeGreaterThan(0);
    const [route, item] = (await operations())[0]!;
    const method = 'get' in item ? 'get' : 'post';

    const page = await s.browser.context.newPage();
    // Every address the page asks for, and every certificate error Chromium reports.
    const asked: string[] = [];
    const failed: string[] = [];
    page.on('request', (r) => asked.push(r.url()));
    page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText ?? ''}`));
    await open(page);
    // "API docs" on the gateway's card opens the explorer in the window, not the gateway's page.
    const docs = page.getByTestId('api-docs-development-users');
    await expect.poll(() => docs.count(), { timeout: 60_000 }).toBe(1);
    await docs.click();
    expect(await page.getByTestId('tab-api').getAttribute('aria-selected')).toBe('true');
    const explorer = page.getByTestId('api-explorer');
    await expect.poll(() => explorer.count(), { timeout: 60_000 }).toBe(1);
    expect(await page.getByTestId('api-gateway').inputValue()).toBe('development');
    const operation = explorer.locator(`.opblock-${method}`).filter({ hasText: route }).first();
    await expect.poll(() => operation.count(), { timeout: 30_000 }).toBe(1);
    await operation.locator('.opblock-summary').first().click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const responseBody = operation.locator('.live-responses-table .response-col_description pre').first();
    await expect.poll(() => responseBody.textContent(), { timeout: 60_000 }).toContain('grace');
    expect(await operation.locator('.live-responses-table tbody .response-col_status').first().textContent()).toContain(
      '200',
    );
    await page.screenshot({ path: path.join(SHOTS, 'explorer-1280x720-light.png') });
    // The browser itself never went to the gateway: the call went through the engine.
    expect(asked.filter((url) => url.startsWith('https:'))).toEqual([]);
    expect(failed.filter((f) => /CERT|SSL/i.test(f))).toEqual([]);
    expect(page.url().startsWith(s.serve.url)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate((t) => localStorage.setItem('branchyard.theme', t), theme);
      for (const size of [
        { width: 1280, height: 720 },
        { width: 1920, height: 1080 },
      ]) {
        await page.setViewportSize(size);
        await page.reload();
        await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
        await page.getByTestId('api-docs-development-users').click();
        // The pane's text with the count: on a failure it says what the pane showed instead.
        await expect
          .poll(
            async () => `${await explorer.locator('.opblock').count()} ${await page.getByTestId('api').textContent()}`,
            { timeout: 60_000 },
          )
          .toMatch(/^[1-9]/);
        await page.screenshot({ path: path.join(SHOTS, `explorer-${size.width}x${size.height}-${theme}.png`) });
        expect(await seriousViolations(page), `${theme} ${size.width}`).toEqual([]);
      }
    }
    await page.evaluate(() => localStorage.setItem('branchyard.theme', 'light'));
    await page.close();
  });

  it('tests the provider’s connection and keeps a key given to the engine across a reload, in no file', async () => {
    const llm = await scriptedLlm([{ error: { status: 401, message: 'Incorrect API key provided' } }]);
    const page = await s.browser.context.newPage();
    try {
      await open(page);
      await page.getByTestId('tab-settings').click();
      const status = page.getByTestId('key-status');
      await expect.poll(() => status.textContent()).toMatch(/^No key/);
      // The scripted provider refuses the key typed (not stored yet): said in plain words.
      await page.getByLabel('Base URL (OpenAI-compatible)').fill(llm.baseUrl);
      await page.getByLabel('API key').fill('sk-wrong-key-000000');
      await page.getByTestId('test-connection').click();
      await expect
        .poll(() => page.getByTestId('connection-result').textContent())
        .toMatch(/refused the key \(401\).*Incorrect API key provided/);
      expect(llm.calls[0]?.headers.authorization).toBe('Bearer sk-wrong-key-000000');

      await page.getByLabel('API key').fill(KEY);
      await page.getByRole('button', { name: 'Give the key to the engine' }).click();
      await expect.poll(() => status.textContent()).toMatch(/^Key set: the engine holds it in its memory/);
      await page.reload();
      await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
      await page.getByTestId('tab-settings').click();
      await expect.poll(() => page.getByTestId('key-status').textContent()).toMatch(/^Key set: the engine holds it/);
      expect(await page.getByTestId('status-model').textContent()).toContain('key set');
      // Nowhere in the workspace: not in a file, a log or git's objects (grep -r reads them all).
      const found = await promisify(execFile)('grep', ['-rlF', KEY, s.workspace]).then(
        (r) => r.stdout,
        (error: { code?: number; stdout?: string }) => (error.code === 1 ? '' : String(error.stdout)),
      );
      expect(found).toBe('');
    } finally {
      await page.close();
      await llm.close();
    }
  });

  it('asks before a protected gateway with the branch’s summary rendered, and fits the status bar at 1280×720', async () => {
    await callApi(s.serve, 'gateway.promote', { codebase: 'users', branch: 2, gateway: 'staging' });
    const page = await s.browser.context.newPage();
    await open(page);
    const promote = page.getByTestId('promote-production');
    await expect.poll(() => promote.count(), { timeout: 60_000 }).toBe(1);
    await promote.click();
    const dialog = page.getByTestId('confirm-promotion');
    const summary = dialog.getByTestId('confirm-summary');
    await expect.poll(() => summary.count(), { timeout: 30_000 }).toBe(1);
    // Markdown rendered: paragraphs, no '#' title nor table pipes shown as text.
    expect(await summary.locator('p').first().textContent()).toMatch(/^Based on 00001\./);
    expect(await summary.textContent()).not.toMatch(/^#|\|---|\*\*/m);
    await page.screenshot({ path: path.join(SHOTS, 'confirm-production.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Every item of the status bar inside it; text cut with an ellipsis carries its whole as a tooltip.
    const bar = page.locator('footer.status-bar');
    const layout = await bar.evaluate((footer) => {
      const right = footer.getBoundingClientRect().right;
      const items = [...footer.querySelectorAll<HTMLElement>('.status-item, .work-bar li')].filter(
        (e) => e.offsetParent !== null,
      );
      return {
        outside: items.filter((e) => e.getBoundingClientRect().right > right + 0.5).map((e) => e.textContent),
        cutWithoutTooltip: items
          .flatMap((e) => [e, ...e.querySelectorAll<HTMLElement>('.status-text')])
          .filter((e) => e.scrollWidth > e.clientWidth + 1 && !e.closest('[title]'))
          .map((e) => e.textContent),
      };
    });
    expect(layout).toEqual({ outside: [], cutWithoutTooltip: [] });
    expect(await page.getByTestId('status-live').isVisible()).toBe(true);
    expect(await page.getByTestId('status-spend').isVisible()).toBe(true);
    await bar.screenshot({ path: path.join(SHOTS, 'status-bar-1280.png') });
    await page.close();
  });
});
