// The user's journey in a real browser against a real engine (serve, Docker, the scripted LLM
// server as the one stand-in), from an empty window: a workspace is made in the picker and a
// codebase in the branches pane; the provider is set and the key entered in the settings; a
// prompt in the chat streams the agent's turns and makes a branch; the branch appears in the
// tree; its diff opens in Monaco; a terminal in its container runs a command; it is promoted to
// staging, which then serves it over HTTPS; its logs show token-sized files. A screenshot of
// each pane is saved under test-results/e2e/.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ScriptedLlm } from '../core/agent/fixtures/scripted-llm.ts';
import { scriptedLlm } from '../core/agent/fixtures/scripted-llm.ts';
import { curl } from '../core/gateway/fixtures/gateway-fixture.ts';
import { ARTIFACTS } from './support/browser.ts';
import { runCli } from './support/engine.ts';
import { useServedWorkspace } from './support/served-workspace.ts';
import { addCodebase, createWorkspace } from './support/window.ts';

const KEY = 'sk-e2e-journey-0123456789';
const greeting =
  "export function getGreeting(): { greeting: string } {\n  return { greeting: 'hello from the journey' };\n}\n";
const greetingTest =
  "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { getGreeting } from './greetings.ts';\n\ntest('greets', () => {\n  assert.deepEqual(getGreeting(), { greeting: 'hello from the journey' });\n});\n";
const write = (file: string, content: string) => ({ name: 'write_file', arguments: { path: file, content } });

let llm: ScriptedLlm | undefined;

// serve starts on a workspace of its own, as the desktop app does on its default one; the
// journey's workspace is made from the window.
const s = useServedWorkspace(
  'home',
  async () => {
    llm = await scriptedLlm([
      { reply: { content: 'Looking at the code first.', toolCalls: [{ name: 'list_files', arguments: {} }] } },
      {
        reply: {
          content: 'Adding the greeting and its test.',
          toolCalls: [
            write('src/features/greetings/controllers/greetings.ts', greeting),
            write('src/features/greetings/controllers/greetings.test.ts', greetingTest),
          ],
        },
      },
      { reply: { toolCalls: [{ name: 'run_checks', arguments: {} }] } },
      { reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Added GET /greetings/get-greeting.' } }] } },
    ]);
  },
  { BRANCHYARD_RUNTIME: 'docker', BRANCHYARD_AI_KEY: '' },
);
afterAll(async () => llm?.close());

describe('the journey through the window', () => {
  it('workspace → codebase → settings → prompt → streamed turns → branch in the tree → diff → terminal → promotion to staging → logs', async () => {
    const page = await s.browser.context.newPage();
    // What the window showed when a step failed, to read beside the error.
    onTestFailed(
      async () =>
        void (await page
          .screenshot({ path: path.join(ARTIFACTS, 'journey-failure.png'), fullPage: true })
          .catch(() => undefined)),
    );
    const shot = (name: string) =>
      page.screenshot({ path: path.join(ARTIFACTS, `journey-${name}.png`), fullPage: true });
    await page.goto(s.serve.loginUrl);
    await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');

    // A workspace made in the picker opens in place of the first.
    const workspace = path.join(s.tmp, 'journey');
    await createWorkspace(page, workspace, { name: 'journey' });

    // A codebase added from the branches pane, with its first branch.
    await addCodebase(page, 'users');
    // The gateways read their routes again and show the new codebase at once.
    await expect
      .poll(
        () =>
          page
            .getByTestId('route-development-users')
            .textContent()
            .catch(() => ''),
        { timeout: 15_000 },
      )
      .toContain('00001');

    // The provider set in the settings (written to ai/config.json), the key kept in this tab.
    await page.keyboard.press('Control+,');
    const settings = page.getByTestId('settings');
    await settings.getByRole('textbox', { name: 'Provider' }).fill('test');
    await settings.getByRole('textbox', { name: 'Base URL (OpenAI-compatible)' }).fill(llm!.baseUrl);
    await settings.getByRole('textbox', { name: 'Model' }).fill('scripted/model');
    await settings.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('settings-message').textContent()).toBe('Saved to ai/config.json.');
    expect(JSON.parse(await readFile(path.join(workspace, 'ai', 'config.json'), 'utf8'))).toMatchObject({
      provider: 'test',
      baseUrl: llm!.baseUrl,
      model: 'scripted/model',
    });
    await page.getByRole('textbox', { name: 'API key' }).fill(KEY);
    await page.getByRole('button', { name: 'Give the key to the engine' }).click();
    await expect
      .poll(() => page.getByTestId('key-status').textContent())
      .toBe('Key set: the engine holds it in its memory until it stops (never in a file).');
    // The status below follows: the new endpoint with the engine's key, and the gateways' ports held by this engine.
    const doctor = page.getByTestId('doctor');
    await expect
      .poll(() => doctor.locator('li', { hasText: 'llm' }).textContent())
      .toMatch(/^✓ llm scripted\/model at http:\/\/127\.0\.0\.1:\d+\/v1; key set in BRANCHYARD_AI_KEY/);
    await expect
      .poll(() => doctor.locator('li', { hasText: 'gateway-ports' }).textContent())
      .toMatch(/^✓ gateway-ports listening: development \d+/);
    await shot('settings');

    // Chat (Alt+1): Ctrl+Enter sends; the agent's text and tool calls stream in; the revision ends in a branch.
    await page.keyboard.press('Alt+1');
    await expect
      .poll(() => page.getByRole('textbox', { name: 'Prompt' }).getAttribute('placeholder'))
      .toBe('Describe a change to users…');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('Add a route that greets');
    await page.getByRole('textbox', { name: 'Prompt' }).press('Control+Enter');
    const revision = page.getByTestId('revision-1');
    await expect
      .poll(() => revision.getByTestId('revision-text').first().textContent(), { timeout: 60_000 })
      .toContain('Looking at the code first.');
    // The long steps behind it (checks, build, start) show while they run.
    await expect
      .poll(
        () =>
          page
            .getByTestId('work-bar')
            .textContent()
            .catch(() => ''),
        { timeout: 120_000 },
      )
      .toMatch(/branch 00002 of users/);
    await expect.poll(() => revision.getByTestId('revision-status').textContent(), { timeout: 180_000 }).toBe('done');
    expect(await revision.getByTestId('revision-branch').textContent()).toBe('Branch 00002 is built and running');
    expect(await revision.getByTestId('revision-steps').textContent()).toContain(
      'src/features/greetings/controllers/greetings.ts',
    );
    expect(await revision.getByTestId('revision-spend').textContent()).toMatch(/^\$0\.0\d{3} of \$\d+\.\d{4}$/);
    await shot('chat');

    // The branch in the tree, with the development gateway serving it.
    // (users was opened in the tree when it was added.)
    const branch = page.getByTestId('branch-users-00002');
    await expect.poll(() => branch.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => branch.textContent(), { timeout: 30_000 }).toContain('development');
    await branch.click();
    await page.getByTestId('tab-branch').click();
    await expect.poll(() => page.getByTestId('branch-checks').textContent()).toContain('tests passed');
    await shot('branch');

    // Its diff, file by file, in Monaco (bundled: no request leaves the machine).
    await page.keyboard.press('Alt+3');
    await expect
      .poll(() => page.getByTestId('diff-files').textContent(), { timeout: 30_000 })
      .toContain('src/features/greetings/controllers/greetings.ts');
    await page.getByRole('button', { name: /A src\/features\/greetings\/controllers\/greetings\.ts$/ }).click();
    const editor = page.getByTestId('diff-editor').locator('.monaco-diff-editor');
    await expect.poll(() => editor.count(), { timeout: 30_000 }).toBe(1);
    // Monaco lays text out with no-break spaces.
    await expect
      .poll(async () => (await editor.locator('.view-lines').allTextContents()).join('\n').replaceAll('\u00a0', ' '), {
        timeout: 30_000,
      })
      .toContain('export function getGreeting()');
    await shot('diff');

    // Its files, and one of them read-only in Monaco.
    await page.keyboard.press('Alt+4');
    await page.getByRole('textbox', { name: 'Filter files' }).fill('greetings.ts');
    await page
      .getByTestId('file-list')
      .getByRole('button', { name: 'src/features/greetings/controllers/greetings.ts' })
      .click();
    await expect
      .poll(
        async () =>
          (await page.getByTestId('file-view').locator('.view-lines').allTextContents())
            .join('\n')
            .replaceAll('\u00a0', ' '),
        { timeout: 30_000 },
      )
      .toContain("return { greeting: 'hello from the journey' };");
    await shot('files');

    // A terminal in the branch's container (the bottom panel): a command and its output.
    await page.keyboard.press('Alt+6');
    await page.getByRole('button', { name: /Shell in the container of users 00002/ }).click();
    const terminal = page.locator('.xterm-host:not([hidden])');
    await expect.poll(() => terminal.count(), { timeout: 30_000 }).toBe(1);
    await terminal.click();
    await page.keyboard.type('echo "journey-$BRANCHYARD_BRANCH"\n');
    await expect.poll(() => terminal.locator('.xterm-rows').textContent(), { timeout: 30_000 }).toContain('journey-2');
    await shot('terminal');

    // Promotion to staging with a click; staging then serves the branch over HTTPS.
    await page.getByTestId('promote-staging').click();
    await expect
      .poll(() => page.getByTestId('promotion-staging').textContent(), { timeout: 120_000 })
      .toContain('staging serves users 00002');
    await expect.poll(() => page.getByTestId('route-staging-users').textContent()).toContain('00002');
    const host = 'users.staging.journey.localhost';
    const ca = (await runCli(['--workspace', workspace, 'ca'])).stdout.trim();
    // The port init gave staging: the template's, or the next free set.
    const port = (
      JSON.parse(await readFile(path.join(workspace, 'gateways', 'staging.json'), 'utf8')) as { port: number }
    ).port;
    const served = await curl({ url: `https://${host}:${port}/greetings/get-greeting`, host, port, ca });
    expect(served.status, served.stderr).toBe(200);
    expect(JSON.parse(served.body)).toEqual({ greeting: 'hello from the journey' });
    await expect
      .poll(() => page.getByTestId('activity').textContent())
      .toContain('staging routes users to 00002 (was 00001), by user:');
    await shot('gateways');

    // Its logs: token-sized files with their counts; one opened.
    await page.keyboard.press('Alt+7');
    const files = page.getByTestId('log-files');
    await expect
      .poll(async () => ((await files.count()) ? files.textContent() : ''), { timeout: 60_000 })
      .toMatch(/api-gateway\/open-\d{8}-\d{6}\.log \d[\d,]* tokens/);
    await files
      .getByRole('button', { name: /^api-gateway\// })
      .first()
      .click();
    await expect
      .poll(() => page.getByTestId('log-text').textContent(), { timeout: 30_000 })
      .toContain('/greetings/get-greeting');
    await shot('logs');

    // The command palette switches the theme.
    await page.keyboard.press('Control+k');
    await page.getByRole('combobox', { name: 'Command' }).fill('theme: dark');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot('dark');
    expect(llm!.failures).toEqual([]);
    // Every call to the provider carried the key typed in the settings.
    expect(llm!.calls.map((call) => call.headers.authorization)).toEqual(llm!.calls.map(() => `Bearer ${KEY}`));
  }, 600_000);
});
