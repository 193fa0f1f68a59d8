// Engine errors where they happen, in the engine's words: a prompt with no key is refused in the
// chat with what to set; with a key (typed into the settings, given to the engine) a provider that
// is down ends the revision as failed, saying so, and closing the window meanwhile cancels
// nothing; a config file broken by hand is named with its
// field at the top of the window.
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFreePorts } from '../core/gateway/fixtures/gateway-fixture.ts';
import { workspacePaths } from '../core/workspace/index.ts';
import { ARTIFACTS } from './support/browser.ts';
import { expectOk, runCli } from './support/engine.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

/** A port on this machine where nothing listens: a provider that is down. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let downUrl = '';
const s = useServedWorkspace(
  'errs',
  async (workspace) => {
    expectOk(await runCli(['--workspace', workspace, 'codebase', 'add', 'users']));
    await useFreePorts(workspacePaths(workspace)); // other e2e files may hold the default ports
    downUrl = `http://127.0.0.1:${await closedPort()}/v1`;
    const file = path.join(workspace, 'ai', 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(
      file,
      JSON.stringify({ ...config, provider: 'test', baseUrl: downUrl, model: 'scripted/model' }, null, 2),
    );
  },
  { BRANCHYARD_RUNTIME: 'host', BRANCHYARD_AI_KEY: '' },
);

describe('engine errors in the pane that caused them', () => {
  it('no key, then a provider that is down: said in the chat, with what to do', async () => {
    const page = await s.browser.context.newPage();
    await page.goto(s.serve.loginUrl);
    await expect
      .poll(() => page.getByRole('textbox', { name: 'Prompt' }).getAttribute('placeholder'))
      .toBe('Describe a change to users…');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('Add a route that greets');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect
      .poll(() => page.getByTestId('chat-error').textContent())
      // The engine says what is missing; the window words its hint as the action to take here.
      .toBe(`no API key for ${downUrl}: set the key in Settings (or BRANCHYARD_AI_KEY in the engine's environment)`);
    // The prompt is kept for another try.
    expect(await page.getByRole('textbox', { name: 'Prompt' }).inputValue()).toBe('Add a route that greets');

    await page.getByTestId('tab-settings').click();
    await page.getByRole('textbox', { name: 'API key' }).fill('sk-e2e-provider-down');
    await page.getByRole('button', { name: 'Give the key to the engine' }).click();
    await expect.poll(() => page.getByTestId('key-status').textContent()).toContain('Key set');
    await page.getByTestId('tab-chat').click();
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByTestId('revision-1').count()).toBe(1);

    // The window closes while the revision retries the provider; closing cancels nothing, and a
    // new window shows the revision still under way, then how it ended.
    await page.close();
    const again = await s.browser.context.newPage();
    await again.goto(s.serve.url);
    const revision = again.getByTestId('revision-1');
    await expect.poll(() => revision.count(), { timeout: 15_000 }).toBe(1);
    expect(await revision.getByTestId('revision-status').textContent()).toBe('running');
    await expect.poll(() => revision.textContent(), { timeout: 60_000 }).toMatch(/could not reach it|trying again/);
    await expect.poll(() => revision.getByTestId('revision-status').textContent(), { timeout: 120_000 }).toBe('failed');
    expect(await revision.textContent()).toMatch(/127\.0\.0\.1|connect|reach/i);
    expect(await revision.textContent()).not.toContain('sk-e2e-provider-down');
    await again.screenshot({ path: path.join(ARTIFACTS, 'errors-chat.png'), fullPage: true });
    await again.close();
  }, 180_000);

  it('a config file broken by hand is named with its field', async () => {
    const file = path.join(s.workspace, 'gateways', 'staging.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...config, port: 'eighty' }, null, 2));
    const page = await s.browser.context.newPage();
    await page.goto(s.serve.loginUrl);
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('gateways/staging.json: port:');
    await page.screenshot({ path: path.join(ARTIFACTS, 'errors-config.png'), fullPage: true });
    await page.close();
  });
});
