// The branch tree in a real browser against a real engine: a codebase's branches nest under
// their parents, a branch made from the command line appears live, and the selected branch
// shows its record and its diff. Reachable from the keyboard.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../core/testing/index.ts';
import { ARTIFACTS } from './support/browser.ts';
import { cuttableProxy } from './support/cuttable-proxy.ts';
import { expectOk, runCli } from './support/engine.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

// The gateways on free ports, their branches asleep after 3 s with no request.
const gateway = { port: 0 };

// Branches run on this machine here (BRANCHYARD_RUNTIME=host), which the tree must say.
const s = useServedWorkspace(
  'shop',
  async (workspace: string) => {
    expectOk(await runCli(['--workspace', workspace, 'codebase', 'add', 'orders']));
    // Every gateway serves the active branch; the longest idle time of those that serve it counts.
    const ports = await freePorts(6);
    for (const [index, name] of ['development', 'staging', 'production'].entries()) {
      const [port, httpPort] = [ports[2 * index]!, ports[2 * index + 1]!];
      if (name === 'development') gateway.port = port;
      const file = path.join(workspace, 'gateways', `${name}.json`);
      const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      await writeFile(file, JSON.stringify({ ...config, port, httpPort, sleep: { idleMinutes: 0.05 } }, null, 2));
    }
  },
  { BRANCHYARD_RUNTIME: 'host' },
);

/** A GET through the development gateway, trusting only the workspace CA; its status. */
async function branchRequest(host: string, url: string): Promise<number> {
  const ca = await readFile(path.join(s.workspace, '.branchyard', 'ca', 'ca.crt'), 'utf8');
  return new Promise((resolve, reject) => {
    const request = https.get(
      { host: '127.0.0.1', port: gateway.port, servername: host, headers: { host }, path: url, ca, timeout: 60_000 },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${host}${url} timed out`)));
    request.on('error', reject);
  });
}

describe('branches in the browser', () => {
  it('shows the tree, picks up a new branch live, and shows the selected branch with its diff', async () => {
    const page = await s.browser.context.newPage();
    await page.goto(s.serve.loginUrl);
    await page
      .getByTestId('branches')
      .getByRole('button', { name: /orders/ })
      .first()
      .click();
    const first = page.getByTestId('branch-orders-00001');
    await expect.poll(() => first.textContent()).toMatch(/^00001\s*Boilerplate with an example feature/);
    await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');

    // A branch made from the command line goes through this serve; the tree updates by itself.
    const change = path.join(s.tmp, 'change');
    await mkdir(path.join(change, 'src', 'features', 'orders', 'controllers'), { recursive: true });
    await writeFile(
      path.join(change, 'src', 'features', 'orders', 'controllers', 'orders.ts'),
      'export function listOrders(): string[] {\n  return [];\n}\n',
    );
    const made = await runCli([
      '--workspace',
      s.workspace,
      'branch',
      'new',
      'orders',
      '--dir',
      change,
      '--message',
      'List orders',
    ]);
    expect(made.stderr).toBe('');
    expectOk(made);
    const second = page.getByTestId('branch-orders-00002');
    await expect.poll(() => second.count(), { timeout: 15_000 }).toBe(1);
    // 00002 sits under 00001, the branch it is based on.
    expect(
      await page.locator('li:has(> [data-testid="branch-orders-00001"]) [data-testid="branch-orders-00002"]').count(),
    ).toBe(1);

    // Keyboard: from 00001, the down arrow reaches 00002 and Enter selects it.
    await first.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('branch-detail');
    await expect.poll(() => detail.locator('h2').first().textContent()).toBe('Branch 00002 from 00001');
    expect(await detail.textContent()).toContain('List orders');
    // The summary is markdown drawn as such: its table of changed files a table, not pipes.
    expect(await page.getByTestId('branch-summary').locator('table td').allTextContents()).toContain('added');
    expect(await page.getByTestId('branch-checks').textContent()).toBe(
      'build pendingtypecheck pendingtests pendingroutes pendingschema pending',
    );
    const diff = page.getByTestId('branch-diff');
    expect(await diff.textContent()).toContain('+++ b/src/features/orders/controllers/orders.ts');
    // Added lines are drawn in runs (a span per run of added lines, not per line).
    expect((await diff.locator('.add').allTextContents()).join('')).toContain(
      '+export function listOrders(): string[] {\n',
    );
    expect(await second.getAttribute('aria-current')).toBe('true');

    // The diff tab compares with any branch, not only the parent: 00003 (also from 00001)
    // against 00002 lacks 00002's file and has its own.
    const sibling = path.join(s.tmp, 'sibling');
    await mkdir(path.join(sibling, 'src', 'features', 'orders', 'controllers'), { recursive: true });
    await writeFile(
      path.join(sibling, 'src', 'features', 'orders', 'controllers', 'refunds.ts'),
      'export function listRefunds(): string[] {\n  return [];\n}\n',
    );
    expectOk(
      await runCli([
        '--workspace',
        s.workspace,
        'branch',
        'new',
        'orders',
        '--from',
        '1',
        '--dir',
        sibling,
        '--message',
        'List refunds',
      ]),
    );
    const third = page.getByTestId('branch-orders-00003');
    await expect.poll(() => third.count(), { timeout: 15_000 }).toBe(1);
    await third.click();
    await page.keyboard.press('Alt+3');
    const files = page.getByTestId('diff-files');
    await expect.poll(() => files.textContent()).toBe('A src/features/orders/controllers/refunds.ts');
    await page.getByRole('combobox', { name: 'Diff against' }).selectOption('2');
    await expect.poll(() => page.locator('#diff-title').textContent()).toBe('orders 00003 against 00002');
    await expect
      .poll(async () => (await files.locator('li').allTextContents()).sort())
      .toEqual(['A src/features/orders/controllers/refunds.ts', 'D src/features/orders/controllers/orders.ts']);
    await page.keyboard.press('Alt+2');

    // A running branch shows its process, and that it runs with no isolation.
    const ran = await runCli(['--workspace', s.workspace, 'run', 'orders', '1']);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toContain('(no isolation: on the host)');
    // Fold and unfold the codebase to read its branches again.
    const codebaseButton = page.locator('button.codebase', { hasText: 'orders' });
    await codebaseButton.click();
    await codebaseButton.click();
    await expect
      .poll(() => first.getByTestId('process').textContent(), { timeout: 15_000 })
      .toBe('● live · no isolation');
    await page.screenshot({ path: path.join(ARTIFACTS, 'branches.png'), fullPage: true });

    // Idle past its gateway's time, it sleeps, and the tree says so by itself (issue 21); a
    // request to its own host wakes it, and the tree says it is live again.
    await expect
      .poll(() => first.getByTestId('process').textContent(), { timeout: 60_000, interval: 500 })
      .toBe('● sleeping · no isolation');
    const answer = await branchRequest('00001.orders.development.shop.localhost', '/notes/list-notes');
    expect(answer).toBe(200);
    await expect
      .poll(() => first.getByTestId('process').textContent(), { timeout: 15_000, interval: 100 })
      .toBe('● live · no isolation');
    await page.close();
  });

  it('reads everything again when its connection to serve comes back after a loss', async () => {
    const proxy = await cuttableProxy(s.serve.url);
    const page = await s.browser.context.newPage();
    try {
      await page.goto(`${proxy.url}?token=${s.serve.token}`);
      await page
        .getByTestId('branches')
        .getByRole('button', { name: /orders/ })
        .first()
        .click();
      await expect.poll(() => page.getByTestId('branch-orders-00001').count()).toBe(1);
      await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
      const before = await page.locator('[data-testid^="branch-orders-"]').count();

      // The line is cut: a branch made meanwhile sends its event to no one.
      proxy.cut();
      await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).not.toBe('live');
      const change = path.join(s.tmp, 'while-cut');
      await mkdir(path.join(change, 'src'), { recursive: true });
      await writeFile(path.join(change, 'src', 'while-cut.ts'), 'export const madeWhileCut = true;\n');
      const made = await runCli([
        '--workspace',
        s.workspace,
        'branch',
        'new',
        'orders',
        '--dir',
        change,
        '--message',
        'Made while the page was cut off',
      ]);
      expect(made.code, made.stderr).toBe(0);
      const number = /Created branch (\d{5})/.exec(made.stdout)?.[1];
      expect(number).toMatch(/^\d{5}$/);

      // Back: the stream reconnects by itself, and the tree is read again.
      proxy.restore();
      await expect.poll(() => page.locator('.connection').textContent(), { timeout: 60_000 }).toBe('live');
      await expect.poll(() => page.getByTestId(`branch-orders-${number}`).count(), { timeout: 30_000 }).toBe(1);
      expect(await page.locator('[data-testid^="branch-orders-"]').count()).toBe(before + 1);
    } finally {
      await page.close();
      await proxy.close();
    }
  });
});
