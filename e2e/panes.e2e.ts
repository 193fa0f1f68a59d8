// The side and bottom panes as an IDE's, in a real browser against a real engine: gateways as a
// pipeline (promotion order, Promote to <next>, Roll back to <previous>, the last promotion, a
// protected gateway that asks first, a drop highlight); branches as a graph with check icons,
// gateway pills and a context menu; logs as a table (fields, status colours, a filter that marks
// as you type, escape codes stripped on screen and in the copied context, the token count on the
// button); activity newest first, one line per operation, filtered, kept across a reload.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { curl, useFreePorts } from '../core/gateway/fixtures/gateway-fixture.ts';
import { workspacePaths } from '../core/workspace/index.ts';
import { ARTIFACTS } from './support/browser.ts';
import { callApi } from './support/api.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

// The machine is shared with the other e2e files and the builds: setting up may take a while.
vi.setConfig({ hookTimeout: 600_000, testTimeout: 300_000 });

const s = useServedWorkspace('panes', async (workspace) => void (await useFreePorts(workspacePaths(workspace))), {
  BRANCHYARD_RUNTIME: 'host',
  BRANCHYARD_AI_KEY: 'sk-e2e-panes',
});
const SHOTS = path.join(ARTIFACTS, 'panes');

beforeAll(async () => {
  await callApi(s.serve, 'codebase.add', { name: 'users' });
  const change = path.join(s.tmp, 'change');
  await mkdir(path.join(change, 'src', 'features', 'users', 'controllers'), { recursive: true });
  await writeFile(
    path.join(change, 'src', 'features', 'users', 'controllers', 'list-users.ts'),
    "export function listUsers(): { users: string[] } {\n  return { users: ['ada'] };\n}\n",
  );
  await callApi(s.serve, 'branch.new', { codebase: 'users', dir: change, message: 'List users' });
  // Started, development (which follows the newest branch) serves it.
  await callApi(s.serve, 'runtime.run', { codebase: 'users', branch: 2 });
  await mkdir(SHOTS, { recursive: true });
}, 600_000);

async function open(page: Page, size = { width: 1280, height: 720 }): Promise<void> {
  await page.setViewportSize(size);
  await page.goto(s.serve.loginUrl);
  await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
  const codebase = page.locator('button.codebase', { hasText: 'users' });
  if ((await codebase.getAttribute('aria-expanded')) !== 'true') await codebase.click();
  await page.getByTestId('branch-users-00002').click();
}

const served = (page: Page, gateway: string) =>
  page.getByTestId(`route-${gateway}-users`).locator('code').first().textContent();

describe('the panes', () => {
  it('shows the gateways as a pipeline: promote to the next, roll back to the previous, a protected one asks first, drops light up', async () => {
    const page = await s.browser.context.newPage();
    await open(page);
    const cards = page.locator('[data-testid^="gateway-"]');
    await expect
      .poll(() => cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid'))), { timeout: 30_000 })
      .toEqual(['gateway-development', 'gateway-staging', 'gateway-production']);
    await expect.poll(() => served(page, 'development'), { timeout: 60_000 }).toBe('00002');
    // No "Promote here" on every card: development offers its branch to staging, the next.
    const promote = page.getByTestId('promote-staging');
    expect(await promote.textContent()).toBe('Promote 00002 to staging');
    expect(await page.getByText(/Promote .* here/).count()).toBe(0);
    await promote.click();
    await expect.poll(() => served(page, 'staging'), { timeout: 120_000 }).toBe('00002');
    await expect
      .poll(() => page.getByTestId('last-promotion-staging-users').textContent())
      .toMatch(/00002 from 00001 by user:\S+, just now/);
    // And back: staging's previous branch, one click.
    const rollback = page.getByTestId('rollback-staging');
    expect(await rollback.textContent()).toBe('Roll back to 00001');
    await rollback.click();
    await expect.poll(() => served(page, 'staging'), { timeout: 120_000 }).toBe('00001');

    // A branch dragged over a card lights it up; dropped on protected production, it asks first.
    // (The drag's events are sent as the browser sends them; headless Chromium has no drag source.)
    const production = page.getByTestId('gateway-production');
    const carried = await page.evaluateHandle(() => {
      const data = new DataTransfer();
      data.setData('application/x-branchyard-branch', 'users:2');
      return data;
    });
    await production.dispatchEvent('dragover', { dataTransfer: carried });
    await expect.poll(() => production.getAttribute('class')).toContain('drop-over');
    await page.screenshot({ path: path.join(SHOTS, 'drop-over.png') });
    await production.dispatchEvent('drop', { dataTransfer: carried });
    await expect.poll(() => production.getAttribute('class')).not.toContain('drop-over');
    const dialog = page.getByTestId('confirm-promotion');
    await expect.poll(() => dialog.count(), { timeout: 10_000 }).toBe(1);
    expect(await dialog.getByRole('heading').textContent()).toBe('Promote users 00002 to production?');
    await expect.poll(() => dialog.getByTestId('confirm-checks').textContent()).toMatch(/typecheck: \w+/);
    expect(await dialog.textContent()).toContain('src/features/users/controllers/list-users.ts');
    await page.screenshot({ path: path.join(SHOTS, 'confirm-production.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await served(page, 'production')).toBe('00001');
    await page.screenshot({ path: path.join(SHOTS, 'gateways.png') });
    await page.close();
  });

  it('draws the branches as a graph with check icons and gateway pills, and offers a context menu', async () => {
    const page = await s.browser.context.newPage();
    await open(page);
    // 00002 is drawn under 00001, its parent.
    expect(
      await page
        .locator(
          '.graph-node:has([data-testid="branch-users-00001"]) .graph.children [data-testid="branch-users-00002"]',
        )
        .count(),
    ).toBe(1);
    const node = page.getByTestId('branch-users-00002');
    expect(await node.locator('.check-icon').getAttribute('aria-label')).toMatch(
      /^checks (passed|pending: .+|failed: .+)$/,
    );
    await expect
      .poll(() => node.locator('.gateway-pill').allTextContents(), { timeout: 30_000 })
      .toContain('development');
    // Prompt from here: the chat's composer starts from this branch.
    await node.click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Prompt from here' }).click();
    await expect.poll(() => page.getByTestId('tab-chat').getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('prompt-from').inputValue()).toBe('2');
    // Diff against…: the Diff view, against the branch chosen.
    await page.getByTestId('branch-users-00001').click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Diff against…' }).click();
    await page.getByRole('menuitem', { name: '00002' }).click();
    await expect.poll(() => page.getByTestId('tab-diff').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByRole('combobox', { name: 'Diff against' }).inputValue()).toBe('2');
    await page.screenshot({ path: path.join(SHOTS, 'graph.png') });
    await page.close();
  });

  it('shows the logs as a table: fields, status colours, a filter marking as you type, no escape codes on screen or in the copied context', async () => {
    // Requests through the development gateway: one found, one not.
    const listing = await callApi<{ gateways: { name: string; routes: { codebase: string; url: string }[] }[] }>(
      s.serve,
      'gateway.list',
      undefined,
      'query',
    );
    const url = new URL(
      listing.gateways.find((g) => g.name === 'development')!.routes.find((r) => r.codebase === 'users')!.url,
    );
    const { certificate } = await callApi<{ certificate: string }>(s.serve, 'gateway.ca', undefined, 'query');
    const port = Number(url.port);
    for (const route of ['/users/list-users', '/users/nothing-here']) {
      const answer = await curl({ url: `${url.origin}${route}`, host: url.hostname, port, ca: certificate });
      expect(answer.stderr).toBe('');
    }
    // A terminal's log as ttyd writes it: colours and cursor moves.
    const folder = path.join(
      path.dirname(s.workspace),
      'panes-logs',
      'codebases',
      'users',
      'branches',
      '00002',
      'ttyd',
    );
    await mkdir(folder, { recursive: true });
    await writeFile(
      path.join(folder, '1k-20261201-120000.log'),
      '\u001b[32mready\u001b[0m on \u001b[1mport 3000\u001b[22m\n\u001b[2K\rprogress 10%\rprogress 100%\n',
    );

    const page = await s.browser.context.newPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.serve.url });
    await open(page);
    await page.keyboard.press('Alt+7');
    const files = page.getByTestId('log-files');
    await expect
      .poll(async () => ((await files.count()) ? files.textContent() : ''), { timeout: 60_000 })
      .toMatch(/api-gateway\/open-\d{8}-\d{6}\.log/);
    await files
      .getByRole('button', { name: /^api-gateway\// })
      .first()
      .click();
    const rows = page.getByTestId('log-row');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    const found = rows.filter({ hasText: '/users/list-users' }).first();
    expect(await found.locator('td').nth(1).textContent()).toBe('GET');
    expect(await found.locator('.status-pill').textContent()).toBe('200');
    expect(await found.locator('.status-pill').getAttribute('class')).toContain('good');
    expect(await found.locator('td').nth(4).textContent()).toMatch(/^[\d.]+ ms$/);
    const missing = rows.filter({ hasText: '/users/nothing-here' }).first();
    expect(await missing.locator('.status-pill').getAttribute('class')).toContain('warn');
    // The filter narrows and marks as each key is typed, with no Enter.
    await page.getByTestId('log-filter').pressSequentially('nothing');
    await expect.poll(() => rows.count()).toBe(1);
    await expect.poll(() => rows.first().locator('mark').textContent()).toBe('nothing');
    await page.getByTestId('log-filter').fill('');
    await page.getByRole('combobox', { name: 'Status' }).selectOption('2xx');
    await expect.poll(() => rows.filter({ hasText: 'nothing-here' }).count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'logs.png') });

    // The terminal's log: clean on screen and in the context copied, its size on the button.
    await page.getByRole('combobox', { name: 'Status' }).selectOption('all');
    await files.getByRole('button', { name: /^ttyd\/1k-20261201-120000\.log/ }).click();
    await expect.poll(() => page.getByTestId('log-text').textContent()).toContain('ready on port 3000');
    expect(await page.getByTestId('log-text').textContent()).not.toContain('\u001b');
    expect(await page.getByTestId('log-text').textContent()).not.toContain('[32m');
    expect(await page.getByTestId('log-text').textContent()).toContain('progress 100%');
    expect(await page.getByTestId('log-text').textContent()).not.toContain('progress 10%');
    const copy = page.getByTestId('log-copy');
    expect((await copy.textContent())!.trim()).toMatch(/^Copy as context · [\d,]+ tokens$/);
    await copy.click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain('ready on port 3000');
    expect(copied).not.toContain('\u001b');
    await page.close();
  });

  it('lists the activity newest first, one line per operation with its steps folded, filtered, kept across a reload', async () => {
    const page = await s.browser.context.newPage();
    await open(page);
    await page.keyboard.press('Alt+8');
    const operations = page.getByTestId('operation');
    await callApi(s.serve, 'gateway.promote', { gateway: 'staging', codebase: 'users', branch: 2 });
    const promoted = operations.filter({ hasText: 'staging routes users to 00002 (was 00001)' });
    await expect.poll(() => promoted.count(), { timeout: 60_000 }).toBe(1);
    // Newest first.
    const times = () =>
      operations.evaluateAll((els) =>
        els.map((e) => Date.parse(e.querySelector('summary time')!.getAttribute('datetime')!)),
      );
    const shown = await times();
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    // One line per branch operation, its steps folded under it.
    const count = await operations.count();
    await page.getByTestId('activity-kind-promotion').click();
    await expect.poll(() => operations.count()).toBeLessThan(count);
    expect(await operations.evaluateAll((els) => els.every((e) => e.getAttribute('data-kind') === 'promotion'))).toBe(
      true,
    );
    await page.getByTestId('activity-kind-all').click();
    await page.reload();
    await expect.poll(() => page.locator('.connection').textContent(), { timeout: 60_000 }).toBe('live');
    await page.keyboard.press('Alt+8');
    await expect.poll(() => promoted.count(), { timeout: 10_000 }).toBe(1);
    expect(await operations.count()).toBe(count);
    await page.screenshot({ path: path.join(SHOTS, 'activity.png') });
    await page.close();
  });
});
