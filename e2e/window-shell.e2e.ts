// The window as an application shell, in a real browser against a real engine: the viewport never
// scrolls (each panel scrolls inside itself) from 1024×640 up; panels resize and collapse and
// stay so across a reload; the window's shortcuts work while the terminal has the focus; dialogs
// close on Esc and keep the focus inside; the palette finds commands by fuzzy search; a double
// Ctrl+Enter sends one prompt; leaving a shown diff throws nothing; the bare address without the
// token says how to get in.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ScriptedLlm } from '../core/agent/fixtures/scripted-llm.ts';
import { scriptedLlm } from '../core/agent/fixtures/scripted-llm.ts';
import { useFreePorts } from '../core/gateway/fixtures/gateway-fixture.ts';
import { workspacePaths } from '../core/workspace/index.ts';
import { ARTIFACTS } from './support/browser.ts';
import { callApi } from './support/api.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

// The machine is shared by the other e2e files: the workspace and the build may take a while.
vi.setConfig({ hookTimeout: 300_000 });

let llm: ScriptedLlm | undefined;
const question = { reply: { content: 'Which fields should a user have?' } };

const s = useServedWorkspace(
  'shell',
  async (workspace) => {
    await useFreePorts(workspacePaths(workspace));
    llm = await scriptedLlm([question, question, question, question]);
    const file = path.join(workspace, 'ai', 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(
      file,
      JSON.stringify({ ...config, provider: 'test', baseUrl: llm.baseUrl, model: 'scripted/model' }, null, 2),
    );
  },
  { BRANCHYARD_RUNTIME: 'host', BRANCHYARD_AI_KEY: 'sk-e2e-shell' },
);
afterAll(async () => llm?.close());
// Through the engine's API rather than the CLI: the same work, without a CLI's time limit.
beforeAll(async () => {
  await callApi(s.serve, 'codebase.add', { name: 'users' });
  // A long branch: its patch alone is taller than any window.
  const change = path.join(s.tmp, 'long-change');
  await mkdir(path.join(change, 'src', 'features', 'users', 'controllers'), { recursive: true });
  const rows = Array.from({ length: 400 }, (_, i) => `  { id: ${i + 1}, name: 'user ${i + 1}' },`);
  await writeFile(
    path.join(change, 'src', 'features', 'users', 'controllers', 'list-users.ts'),
    `const USERS = [\n${rows.join('\n')}\n];\n\nexport function listUsers(): typeof USERS {\n  return USERS;\n}\n`,
  );
  await callApi(s.serve, 'branch.new', { codebase: 'users', dir: change, message: 'List users' });
}, 300_000);

async function open(page: Page): Promise<void> {
  await page.goto(s.serve.loginUrl);
  await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
  const codebase = page.locator('button.codebase', { hasText: 'users' });
  if ((await codebase.getAttribute('aria-expanded')) !== 'true') await codebase.click();
  await page.getByTestId('branch-users-00002').click();
}

const scrolls = (page: Page) =>
  page.evaluate(() => ({
    height: document.scrollingElement!.scrollHeight,
    width: document.scrollingElement!.scrollWidth,
    innerHeight,
    innerWidth,
    scrollY,
  }));

describe('the window as an application shell', () => {
  it('never scrolls as a whole, from 1024×640 up, and keeps the prompt box in view', async () => {
    const page = await s.browser.context.newPage();
    for (const size of [
      { width: 1280, height: 720 },
      { width: 1024, height: 640 },
    ]) {
      await page.setViewportSize(size);
      await open(page);
      if (size.width === 1280) {
        // Nothing opened in the bottom panel yet: it is its tab strip, and the chat has the height.
        expect(await page.getByTestId('bottom-panel').getAttribute('data-collapsed')).toBe('true');
        const thread = await page.getByTestId('chat-thread').boundingBox();
        expect(thread!.height).toBeGreaterThanOrEqual(size.height / 2);
      }
      // The gateways' pills of a branch served by all three: on one line, not wrapped in the narrow panel.
      const pills = page.getByTestId('branch-users-00001').locator('.gateway-pill');
      await expect.poll(() => pills.count(), { timeout: 30_000 }).toBe(3);
      const tops = await pills.evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
      expect(new Set(tops).size).toBe(1);
      // The longest content there is: the branch's 400-line patch.
      await page.keyboard.press('Alt+2');
      await expect
        .poll(async () => (await page.getByTestId('branch-diff').textContent())?.length ?? 0)
        .toBeGreaterThan(10_000);
      await page.mouse.move(size.width / 2, size.height / 2);
      await page.mouse.wheel(0, 5000);
      const page1 = await scrolls(page);
      expect(page1.height).toBeLessThanOrEqual(page1.innerHeight);
      expect(page1.width).toBeLessThanOrEqual(page1.innerWidth);
      expect(page1.scrollY).toBe(0);
      // The patch scrolls inside its own view instead.
      expect(await page.getByTestId('branch-detail').evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
      // The chat: its prompt box and Send inside the window, the status bar at the bottom.
      await page.keyboard.press('Alt+1');
      const prompt = await page.getByRole('textbox', { name: 'Prompt' }).boundingBox();
      expect(prompt!.y + prompt!.height).toBeLessThanOrEqual(size.height);
      const status = await page.getByRole('contentinfo', { name: 'Status' }).boundingBox();
      expect(Math.round(status!.y + status!.height)).toBe(size.height);
      await page.screenshot({ path: path.join(ARTIFACTS, `shell-${size.width}x${size.height}.png`) });
    }
    await page.close();
  });

  it('resizes and collapses its panels, and remembers both across a reload', async () => {
    const page = await s.browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 720 });
    await open(page);
    const width = (id: string) =>
      page.locator(`[data-panel][id="${id}"]`).evaluate((el) => Math.round(el.getBoundingClientRect().width));
    const before = await width('branches');
    // The separator is a control of its own: arrow keys move it.
    await page.getByRole('separator', { name: 'Resize the branches panel' }).focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => width('branches')).toBeGreaterThan(before + 20);
    const resized = await width('branches');
    // The gateways collapsed from the activity bar.
    await page.getByTestId('toggle-gateways').click();
    await expect.poll(() => width('gateways')).toBe(0);
    expect(await page.getByTestId('toggle-gateways').getAttribute('aria-pressed')).toBe('false');
    await page.reload();
    await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
    await expect.poll(() => width('branches')).toBe(resized);
    expect(await width('gateways')).toBe(0);
    expect(await page.getByTestId('toggle-gateways').getAttribute('aria-pressed')).toBe('false');
    // And back.
    await page.getByTestId('toggle-gateways').click();
    await expect.poll(() => width('gateways')).toBeGreaterThan(200);
    await page.close();
  });

  it('starts the bottom panel as its tab strip, opens it for a view shown in it, and keeps the height the user gives it', async () => {
    const page = await s.browser.context.newPage();
    const bottom = () =>
      page.locator('[data-panel][id="bottom"]').evaluate((el) => Math.round(el.getBoundingClientRect().height));
    const selectedBottomTabs = () =>
      page
        .getByTestId('bottom-panel')
        .locator('[role="tab"][aria-selected="true"]')
        .evaluateAll((tabs) => tabs.map((t) => t.getAttribute('data-testid')));
    const shots = path.join(ARTIFACTS, 'layout');
    await mkdir(shots, { recursive: true });
    await page.goto(s.serve.loginUrl);
    // A window the user never laid out.
    await page.evaluate(() =>
      Object.keys(localStorage)
        .filter((key) => key.includes('layout'))
        .forEach((key) => localStorage.removeItem(key)),
    );
    for (const theme of ['light', 'dark'] as const) {
      for (const size of [
        { width: 1280, height: 720 },
        { width: 1920, height: 1080 },
      ]) {
        await page.setViewportSize(size);
        await page.evaluate((t) => localStorage.setItem('branchyard.theme', t), theme);
        await open(page);
        await page.keyboard.press('Alt+1');
        expect(await bottom()).toBeLessThan(50);
        // Its tabs stay in view, one click away, none of them shown as the selected one: nothing of it is on screen.
        expect(await page.getByTestId('tab-terminal').isVisible()).toBe(true);
        expect(await selectedBottomTabs()).toEqual([]);
        const thread = await page.getByTestId('chat-thread').boundingBox();
        expect(thread!.height).toBeGreaterThanOrEqual(size.height / 2);
        await page.screenshot({ path: path.join(shots, `${size.width}x${size.height}-${theme}.png`) });
      }
    }
    // A view of the panel shown: the panel opens, a third of the centre or so.
    await page.getByTestId('tab-activity').click();
    await expect.poll(bottom).toBeGreaterThan(200);
    expect(await page.getByTestId('activity').isVisible()).toBe(true);
    expect(await selectedBottomTabs()).toEqual(['tab-activity']);
    // The user's height: kept across a reload, and what the panel opens to again after a hide.
    await page.getByRole('separator', { name: 'Resize the bottom panel' }).focus();
    const before = await bottom();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowUp');
    await expect.poll(bottom).toBeGreaterThan(before + 20);
    const chosen = await bottom();
    await page.reload();
    await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
    await expect.poll(bottom).toBe(chosen);
    await page.getByTestId('bottom-panel').getByRole('button', { name: 'Hide the panel' }).click();
    await expect.poll(bottom).toBeLessThan(50);
    expect(await selectedBottomTabs()).toEqual([]);
    expect(await page.getByTestId('toggle-bottom').getAttribute('aria-pressed')).toBe('false');
    await page.getByTestId('bottom-panel').getByRole('button', { name: 'Show the panel' }).click();
    await expect.poll(bottom).toBe(chosen);
    await page.close();
  });

  it('keeps the window’s shortcuts while the terminal has the focus; dialogs close on Esc and hold the focus', async () => {
    const page = await s.browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 720 });
    await open(page);
    await page.keyboard.press('Alt+6');
    await page.getByRole('button', { name: 'Shell on this machine' }).click();
    const terminal = page.locator('.xterm-host:not([hidden])');
    await expect.poll(() => terminal.count(), { timeout: 30_000 }).toBe(1);
    await terminal.click();
    expect(await page.evaluate(() => document.activeElement?.closest('.xterm') !== null)).toBe(true);
    // Alt+3 shows the diff, not a character in bash; Ctrl+K opens the palette.
    await page.keyboard.press('Alt+3');
    await expect.poll(() => page.getByTestId('tab-diff').getAttribute('aria-selected')).toBe('true');
    await terminal.click();
    await page.keyboard.press('Control+k');
    await expect.poll(() => page.getByTestId('palette').count()).toBe(1);
    // Fuzzy: letters in order, not a substring.
    await page.keyboard.type('thm drk');
    await expect.poll(() => page.locator('[cmdk-item][data-selected="true"]').textContent()).toBe('Theme: dark');
    expect(await page.locator('[cmdk-group-heading]').allTextContents()).toContain('Theme');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('palette').count()).toBe(0);
    // The shell got none of those keys: a command typed now runs as typed.
    await terminal.click();
    await page.keyboard.type('echo "shell-$((40+2))"\n');
    await expect.poll(() => terminal.locator('.xterm-rows').textContent(), { timeout: 15_000 }).toContain('shell-42');

    // The workspace picker: the focus stays inside while tabbing, and Esc closes it.
    await page.getByTestId('workspace-name').click();
    const picker = page.getByTestId('workspace-picker');
    await expect.poll(() => picker.count()).toBe(1);
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect(
        await page.evaluate(() => document.activeElement?.closest('[data-testid="workspace-picker"]') !== null),
      ).toBe(true);
    }
    await page.keyboard.press('Escape');
    await expect.poll(() => picker.count()).toBe(0);
    await page.close();
  });

  it('shows a diff and leaves it without an error', async () => {
    const page = await s.browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await open(page);
    for (let round = 0; round < 2; round++) {
      await page.keyboard.press('Alt+3');
      const editor = page.getByTestId('diff-editor').locator('.monaco-diff-editor');
      await expect.poll(() => editor.count(), { timeout: 30_000 }).toBe(1);
      await expect
        .poll(
          async () => (await editor.locator('.view-lines').allTextContents()).join('\n').replaceAll('\u00a0', ' '),
          { timeout: 30_000 },
        )
        .toContain('const USERS');
      // Monaco's icons are its own font, bundled: loaded, not empty boxes.
      await expect.poll(() => page.evaluate(() => document.fonts.check('16px codicon'))).toBe(true);
      await page.keyboard.press(round ? 'Alt+4' : 'Alt+1');
      // Left, the viewer is kept hidden (coming back is a repaint, not a new editor).
      await expect.poll(() => page.locator('#view-diff').isHidden()).toBe(true);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sends one prompt for a double Ctrl+Enter or a double click', async () => {
    const page = await s.browser.context.newPage();
    await open(page);
    const revisions = async () => {
      return (await callApi<unknown[]>(s.serve, 'revision.list', { codebase: 'users' }, 'query')).length;
    };
    expect(await revisions()).toBe(0);
    const prompt = page.getByRole('textbox', { name: 'Prompt' });
    await prompt.fill('Add a users route');
    await prompt.press('Control+Enter');
    await prompt.press('Control+Enter');
    await expect.poll(() => page.getByTestId('revision-1').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => prompt.inputValue()).toBe('');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await revisions()).toBe(1);

    await prompt.fill('Add a second route');
    await page.getByRole('button', { name: 'Send' }).dblclick();
    await expect.poll(() => page.getByTestId('revision-2').count(), { timeout: 30_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await revisions()).toBe(2);
    expect(await page.locator('[data-testid^="revision-"][data-testid$="3"]').count()).toBe(0);
    await page.close();
  });

  it('answers the bare address without a token with a page saying how to get in', async () => {
    const page = await s.browser.context.newPage();
    // localhost, not 127.0.0.1: the browser holds no cookie for it.
    const response = await page.goto(`http://localhost:${s.serve.port}/`);
    expect(response?.status()).toBe(401);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This Branchyard engine needs its token');
    // How: the address with its token that the engine prints when it starts.
    expect(await page.textContent('body')).toContain('/?token=');
    await page.close();
  });
});
