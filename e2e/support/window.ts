// Steps in the window that several journeys take the same way, as a user does them.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Makes a workspace in the picker and waits until the engine has switched to it. */
export async function createWorkspace(
  page: Page,
  folder: string,
  expected: { name: string; given?: boolean },
): Promise<void> {
  await page.getByTestId('workspace-name').click();
  const picker = page.getByTestId('workspace-picker');
  await picker.getByRole('textbox', { name: 'Workspace folder' }).fill(folder);
  if (expected.given) await picker.getByRole('textbox', { name: 'Workspace name' }).fill(expected.name);
  await picker.getByRole('button', { name: 'Create' }).click();
  await expect.poll(() => page.getByTestId('workspace-name').textContent(), { timeout: 60_000 }).toBe(expected.name);
}

/** Adds a codebase from the branches pane, opens it in the tree and waits for its first branch. */
export async function addCodebase(page: Page, name: string): Promise<void> {
  const pane = page.getByTestId('branches');
  await pane.getByRole('textbox', { name: 'New codebase name' }).fill(name);
  await pane.getByRole('button', { name: 'Add', exact: true }).click();
  await pane
    .getByRole('button', { name: new RegExp(name) })
    .first()
    .click();
  await expect.poll(() => page.getByTestId(`branch-${name}-00001`).count(), { timeout: 30_000 }).toBe(1);
}
