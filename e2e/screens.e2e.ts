// The window's main screens at 1280×720 and 1920×1080, light and dark, saved as PNGs under
// test-results/e2e/screens/ to be looked at, each checked with axe-core: no serious or critical
// accessibility violation on any of them.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ARTIFACTS } from './support/browser.ts';
import { seriousViolations } from './support/axe.ts';
import type { Violation } from './support/axe.ts';
import { callApi } from './support/api.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

// The machine is shared by the other e2e files: the workspace and the build may take a while.
vi.setConfig({ hookTimeout: 300_000 });

const SCREENS = path.join(ARTIFACTS, 'screens');
const SIZES = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

const s = useServedWorkspace('screens', undefined, { BRANCHYARD_RUNTIME: 'host' });
// Through the engine's API rather than the CLI: the same work, without a CLI's time limit.
beforeAll(async () => {
  {
    const workspace = s.workspace;
    await callApi(s.serve, 'codebase.add', { name: 'users' });
    const change = path.join(path.dirname(workspace), 'change');
    await mkdir(path.join(change, 'src', 'features', 'users', 'controllers'), { recursive: true });
    const lines = Array.from(
      { length: 60 },
      (_, i) => `  { id: ${i + 1}, name: 'user ${i + 1}', email: 'user${i + 1}@example.com' },`,
    );
    await writeFile(
      path.join(change, 'src', 'features', 'users', 'controllers', 'list-users.ts'),
      `const USERS = [\n${lines.join('\n')}\n];\n\nexport function listUsers(): typeof USERS {\n  return USERS;\n}\n`,
    );
    await callApi(s.serve, 'branch.new', {
      codebase: 'users',
      dir: change,
      message: 'List users with their e-mail addresses',
    });
  }
}, 300_000);

/** One screen: saved, and its serious or critical violations returned under its name. */
async function capture(page: Page, name: string, found: Record<string, Violation[]>): Promise<void> {
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`) });
  const violations = await seriousViolations(page);
  if (violations.length) found[name] = violations;
}

describe('the main screens', () => {
  it('look right at two sizes in light and dark, with no serious accessibility violation', async () => {
    await mkdir(SCREENS, { recursive: true });
    const found: Record<string, Violation[]> = {};
    const page = await s.browser.context.newPage();
    await page.goto(s.serve.loginUrl);
    for (const theme of ['light', 'dark'] as const) {
      for (const size of SIZES) {
        const tag = `${size.width}x${size.height}-${theme}`;
        await page.setViewportSize(size);
        await page.evaluate((t) => localStorage.setItem('branchyard.theme', t), theme);
        await page.reload();
        await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
        const codebase = page.locator('button.codebase', { hasText: 'users' });
        if ((await codebase.getAttribute('aria-expanded')) !== 'true') await codebase.click();
        await page.getByTestId('branch-users-00002').click();
        // The gateways and the branch's checks read before the picture.
        await expect.poll(() => page.getByTestId('route-development-users').count(), { timeout: 30_000 }).toBe(1);
        await expect
          .poll(() => page.getByTestId('branch-users-00002').locator('.check-icon').count(), { timeout: 30_000 })
          .toBe(1);
        await capture(page, `${tag}-chat`, found);

        await page.keyboard.press('Alt+2');
        await expect.poll(() => page.getByTestId('branch-detail').count()).toBe(1);
        await capture(page, `${tag}-branch`, found);

        await page.keyboard.press('Alt+3');
        const editor = page.getByTestId('diff-editor').locator('.monaco-diff-editor');
        await expect.poll(() => editor.count(), { timeout: 30_000 }).toBe(1);
        await expect
          .poll(
            async () => (await editor.locator('.view-lines').allTextContents()).join('\n').replaceAll('\u00a0', ' '),
            { timeout: 30_000 },
          )
          .toContain('const USERS');
        await capture(page, `${tag}-diff`, found);

        await page.keyboard.press('Alt+4');
        await page.getByTestId('file-list').getByRole('button', { name: 'src/app.ts' }).click();
        await expect
          .poll(async () => await page.getByTestId('file-view').locator('.view-lines').count(), { timeout: 30_000 })
          .toBe(1);
        await capture(page, `${tag}-files`, found);

        await page.keyboard.press('Alt+7');
        await page.keyboard.press('Control+,');
        await expect
          .poll(() => page.getByTestId('doctor').locator('li').count(), { timeout: 30_000 })
          .toBeGreaterThan(0);
        await capture(page, `${tag}-settings-logs`, found);

        await page.keyboard.press('Alt+1');
        await page.keyboard.press('Alt+9');
        await page.keyboard.press('Control+k');
        await expect.poll(() => page.getByTestId('palette').count()).toBe(1);
        await capture(page, `${tag}-palette`, found);
        await page.keyboard.press('Escape');

        await page.getByTestId('workspace-name').click();
        await expect.poll(() => page.getByTestId('recent-workspaces').count()).toBe(1);
        await capture(page, `${tag}-picker`, found);
        await page.keyboard.press('Escape');
        await expect.poll(() => page.getByTestId('workspace-picker').count()).toBe(0);
      }
    }
    await page.close();
    expect(found).toEqual({});
  }, 300_000);
});
