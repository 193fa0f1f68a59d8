// The two roles and the audit trail in the window (issue 22), in a real browser against a real
// engine (`branchyard serve`, the checks in the sandbox, a scripted model per role: the product
// owner refines the request, the developer builds it): the chat labels each step and message with
// the role that took it, and the Audit tab of the branch it made lists both roles' actions.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ScriptedCall, ScriptedLlm, Turn } from '../core/agent/fixtures/scripted-llm.ts';
import { scriptedLlm } from '../core/agent/fixtures/scripted-llm.ts';
import { useFreePorts } from '../core/gateway/fixtures/gateway-fixture.ts';
import { workspacePaths } from '../core/workspace/index.ts';
import { callApi } from './support/api.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

// The machine is shared with the other e2e files and the builds: setting up may take a while.
vi.setConfig({ hookTimeout: 600_000, testTimeout: 400_000 });

const PO_MODEL = 'scripted/product-owner';
const DEV_MODEL = 'scripted/developer';
const FILE = 'src/features/greetings/controllers/greetings.ts';
const greeting = "export function getGreeting(): { greeting: string } {\n  return { greeting: 'hello' };\n}\n";
const greetingTest =
  "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { getGreeting } from './greetings.ts';\n\ntest('greets', () => {\n  assert.deepEqual(getGreeting(), { greeting: 'hello' });\n});\n";

let llm: ScriptedLlm | undefined;
const s = useServedWorkspace(
  'audit',
  async (workspace) => {
    await useFreePorts(workspacePaths(workspace));
    // Each call is checked to come from its role's own model: a call from the wrong one fails the revision.
    const by =
      (model: string, turn: Turn) =>
      (call: ScriptedCall): Turn => {
        if (call.body.model !== model) throw new Error(`expected a call from ${model}, got ${call.body.model}`);
        return turn;
      };
    llm = await scriptedLlm([
      by(PO_MODEL, { reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } }),
      by(PO_MODEL, {
        reply: {
          toolCalls: [
            {
              name: 'refine',
              arguments: {
                request: 'Add GET /greetings/get-greeting answering { "greeting": "hello" }.',
                acceptance: ['GET /greetings/get-greeting answers { "greeting": "hello" }'],
              },
            },
          ],
        },
      }),
      by(DEV_MODEL, {
        reply: {
          content: 'Writing the greeting and its test.',
          toolCalls: [
            { name: 'write_file', arguments: { path: FILE, content: greeting } },
            { name: 'write_file', arguments: { path: FILE.replace('.ts', '.test.ts'), content: greetingTest } },
          ],
        },
      }),
      by(DEV_MODEL, {
        reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Added GET /greetings/get-greeting.' } }] },
      }),
    ]);
    const file = path.join(workspace, 'ai', 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(
      file,
      JSON.stringify(
        {
          ...config,
          provider: 'test',
          baseUrl: llm.baseUrl,
          model: DEV_MODEL,
          roles: { productOwner: { model: PO_MODEL } },
        },
        null,
        2,
      ),
    );
  },
  { BRANCHYARD_RUNTIME: 'host', BRANCHYARD_AI_KEY: 'sk-e2e-audit' },
);
afterAll(async () => llm?.close());
beforeAll(async () => {
  await callApi(s.serve, 'codebase.add', { name: 'users' });
}, 600_000);

async function open(page: Page): Promise<void> {
  await page.goto(s.serve.loginUrl);
  await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
  // The one codebase's thread is the chat's own (threads get tabs from the second codebase on).
  await page.getByRole('textbox', { name: 'Prompt' }).waitFor({ timeout: 30_000 });
}

describe('the roles and the audit trail in the window', () => {
  it('labels each step with its role in the chat, and lists both roles’ actions in the Audit tab', async () => {
    const page = await s.browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await open(page);
    const prompt = page.getByRole('textbox', { name: 'Prompt' });
    await prompt.fill('Add a route that greets');
    await prompt.press('Control+Enter');
    const revision = page.getByTestId('revision-1');
    const closing = revision.getByTestId('revision-closing');
    await expect.poll(() => closing.count(), { timeout: 300_000 }).toBe(1);
    expect(llm!.failures).toEqual([]);

    // The chat: each card and message says whose it was.
    const card = (tool: string) => revision.getByTestId('step-card').and(page.locator(`[data-tool="${tool}"]`));
    await expect.poll(() => card('list_files').getByTestId('step-role').textContent()).toBe('Product owner');
    expect(await card('write_file').first().getByTestId('step-role').textContent()).toBe('Developer');
    const message = revision.locator('.step-message').filter({ hasText: 'Writing the greeting and its test.' });
    expect(await message.getByTestId('step-role').textContent()).toBe('Developer');
    // The product owner's steps come first, the developer's after.
    const roles = await revision.getByTestId('step-role').allTextContents();
    expect(roles[0]).toBe('Product owner');
    expect(roles.at(-1)).toBe('Developer');
    expect(roles.lastIndexOf('Product owner')).toBeLessThan(roles.indexOf('Developer'));

    // The Audit tab of the branch the revision made.
    await closing.getByRole('button', { name: 'View diff' }).click();
    await page.getByTestId('tab-audit').click();
    const audit = page.getByTestId('audit');
    await expect.poll(() => audit.locator('tbody tr').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await audit.locator('header').textContent()).toContain('Audit trail of revision 0001 of users');
    const rows = async () =>
      (await audit
        .locator('tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 4).map((td) => td.textContent ?? '')),
        )) as [string, string, string][];
    const actions = (who: string, list: [string, string, string][]) =>
      list.filter(([role]) => role === who).map(([, action]) => action);
    const listed = await rows();
    expect(actions('product owner', listed)).toEqual(['model', 'list_files', 'model', 'refine']);
    expect(actions('developer', listed)).toEqual(['model', 'write_file', 'write_file', 'model', 'finish']);
    expect(listed.find(([role, action]) => role === 'product owner' && action === 'refine')?.[2]).toBe('ok');
    await page.close();
  });
});
