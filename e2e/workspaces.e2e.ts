// Workspaces from the window: a new one made with the picker opens in the engine's place, a
// codebase is added to it from the branches pane, the recent list holds both, and the first
// opens again. A folder that is not a workspace is refused and the open one stays.
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS } from './support/browser.ts';
import { useServedWorkspace } from './support/served-workspace.ts';
import { addCodebase, createWorkspace } from './support/window.ts';

// The recent list lives in the user's config folder: a fresh one for this file.
const config = mkdtempSync(path.join(os.tmpdir(), 'branchyard-config-'));
const s = useServedWorkspace('first', undefined, { XDG_CONFIG_HOME: config, BRANCHYARD_RUNTIME: 'host' });

describe('workspaces from the window', () => {
  it('creates a workspace and a codebase, lists recent ones, opens the first again, and refuses a folder that is no workspace', async () => {
    const page = await s.browser.context.newPage();
    await page.goto(s.serve.loginUrl);
    // Generous: a loaded machine takes seconds to the first answer (the default poll is 1 s).
    await expect.poll(() => page.getByTestId('workspace-name').textContent(), { timeout: 30_000 }).toBe('first');

    // A new workspace, made and opened from the picker.
    const second = path.join(s.tmp, 'second-ws');
    await createWorkspace(page, second, { name: 'second', given: true });
    expect(JSON.parse(await readFile(path.join(second, '.branchyard', 'serve.json'), 'utf8')).url).toBe(s.serve.url);

    // A codebase added from the branches pane, with its first branch.
    await addCodebase(page, 'billing');
    // A bad name is refused with the rule.
    const pane = page.getByTestId('branches');
    await pane.getByRole('textbox', { name: 'New codebase name' }).fill('Bad Name');
    await pane.getByRole('button', { name: 'Add', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('codebase-error').textContent())
      .toContain('codebase name "Bad Name" is not valid');
    await page.screenshot({ path: path.join(ARTIFACTS, 'workspaces-second.png'), fullPage: true });

    // The recent list has both, the open one marked; the first opens again.
    await page.getByTestId('workspace-name').click();
    const picker = page.getByTestId('workspace-picker');
    const recent = page.getByTestId('recent-workspaces');
    await expect
      .poll(() => recent.locator('li').allTextContents())
      .toEqual([expect.stringMatching(/^second .*second-ws open$/), expect.stringMatching(/^first .*first $/)]);
    // A folder that is no workspace: refused, and the open one stays.
    await picker.getByRole('textbox', { name: 'Workspace folder' }).fill(s.tmp);
    await picker.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.getByTestId('picker-error').textContent()).toContain(`${s.tmp}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'workspaces-picker.png'), fullPage: true });
    await recent.getByRole('button', { name: 'first' }).click();
    await expect.poll(() => page.getByTestId('workspace-name').textContent(), { timeout: 60_000 }).toBe('first');
    await expect.poll(() => page.getByText('No codebases yet').count()).toBe(1);
    await page.close();
  }, 180_000);
});
