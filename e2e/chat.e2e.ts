// The chat as the heart of the window, in a real browser against a real engine (serve, the
// Docker sandbox for the checks, the scripted LLM): the agent's markdown with highlighted code;
// tool calls as step cards (a write's diff, a failed check open on its full errors, three refused
// identical calls folded into one card with the engine's reason); a question in a reply card, not
// an error; a closing card whose View diff opens the branch's diff; the cost meter; the whole
// thread, tool calls included, back after a reload; a prompt from a chosen base branch; one thread
// per codebase; the first-run guide and provider presets; Stop. Screenshots at 1280×720 and 1920×1080, light and dark, each checked with axe-core.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ScriptedLlm } from '../core/agent/fixtures/scripted-llm.ts';
import { scriptedLlm } from '../core/agent/fixtures/scripted-llm.ts';
import { useFreePorts } from '../core/gateway/fixtures/gateway-fixture.ts';
import { workspacePaths } from '../core/workspace/index.ts';
import { seriousViolations } from './support/axe.ts';
import type { Violation } from './support/axe.ts';
import { ARTIFACTS } from './support/browser.ts';
import { callApi } from './support/api.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

// The machine is shared with the other e2e files and the builds: setting up may take a while.
vi.setConfig({ hookTimeout: 600_000, testTimeout: 400_000 });

const FILE = 'src/features/greetings/controllers/greetings.ts';
const broken =
  "export function getGreeting(): { greeting: string } {\n  const greeting: number = 'hello';\n  return { greeting };\n}\n";
const fixed =
  "export function getGreeting(): { greeting: string } {\n  return { greeting: 'hello from the chat' };\n}\n";
const fixedTest =
  "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { getGreeting } from './greetings.ts';\n\ntest('greets', () => {\n  assert.deepEqual(getGreeting(), { greeting: 'hello from the chat' });\n});\n";
const write = (file: string, content: string) => ({ name: 'write_file', arguments: { path: file, content } });
const missing = { name: 'read_file', arguments: { path: 'src/greetings.ts' } };
const ask = (question: string) => ({
  reply: { toolCalls: [{ name: 'ask_user', arguments: { questions: [question] } }] },
});
/** A long thread (its own codebase): more revisions than a window shows, to scroll through. */
const MANY = 24;

let llm: ScriptedLlm | undefined;
const s = useServedWorkspace(
  'chat',
  async (workspace) => {
    await useFreePorts(workspacePaths(workspace));
    llm = await scriptedLlm([
      // The long thread's revisions, each ending at once with a question.
      ...Array.from({ length: MANY }, (_, i) => ({
        reply: {
          content: `Revision ${i + 1}: which fields should the **user** have?`,
          toolCalls: [{ name: 'ask_user', arguments: { questions: ['Which fields?'] } }],
        },
      })),
      {
        reply: {
          content: 'I will add a **greeting** route:\n\n```ts\nexport const greeting = "hello";\n```',
          toolCalls: [missing],
        },
      },
      { reply: { toolCalls: [missing] } },
      { reply: { toolCalls: [missing] } },
      { reply: { toolCalls: [write(FILE, broken)] } },
      { reply: { toolCalls: [{ name: 'run_checks', arguments: {} }] } },
      ask('Should it say hello or hi?'),
      {
        reply: {
          content: 'Fixed the type.',
          toolCalls: [write(FILE, fixed), write(FILE.replace('.ts', '.test.ts'), fixedTest)],
        },
      },
      { reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Added GET /greetings/get-greeting.' } }] } },
      // The second prompt, from branch 00001: a question ends it at once.
      ask('Which branch should this build on?'),
      // The third: a slow model, stopped by the user.
      { stall: { ms: 120_000 } },
    ]);
    const file = path.join(workspace, 'ai', 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(
      file,
      JSON.stringify({ ...config, provider: 'test', baseUrl: llm.baseUrl, model: 'scripted/model' }, null, 2),
    );
  },
  { BRANCHYARD_RUNTIME: 'host', BRANCHYARD_AI_KEY: 'sk-e2e-chat' },
);
afterAll(async () => llm?.close());
beforeAll(async () => {
  await callApi(s.serve, 'codebase.add', { name: 'users' });
  await callApi(s.serve, 'codebase.add', { name: 'orders' });
  await callApi(s.serve, 'codebase.add', { name: 'many' });
  for (let i = 0; i < MANY; i += 8)
    await Promise.all(
      Array.from({ length: Math.min(8, MANY - i) }, () =>
        callApi(s.serve, 'agent.prompt', { codebase: 'many', text: 'Add a route that lists users' }),
      ),
    );
  // Every one has asked its question before the tests' own prompts take the script's next turns.
  const asked = async () =>
    (await callApi<{ status: string }[]>(s.serve, 'revision.list', { codebase: 'many' }, 'query')).filter(
      (r) => r.status === 'needs-answer',
    ).length;
  for (let waited = 0; (await asked()) < MANY; waited += 1000) {
    if (waited > 300_000) throw new Error(`the long thread's ${MANY} revisions did not all ask in 300 s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}, 600_000);

async function open(page: Page): Promise<void> {
  await page.goto(s.serve.loginUrl);
  await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
  await page.getByTestId('thread-users').click();
}

const SHOTS = path.join(ARTIFACTS, 'chat');

describe('the chat', () => {
  it('shows the agent’s work as markdown and step cards, asks in a reply card, closes with actions, and keeps it all across a reload', async () => {
    const page = await s.browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 720 });
    await open(page);
    const prompt = page.getByRole('textbox', { name: 'Prompt' });
    await prompt.fill('Add a route that greets');
    await prompt.press('Control+Enter');
    const revision = page.getByTestId('revision-1');

    // The question: a reply card, in the accent's colour, not an error.
    const question = revision.getByTestId('revision-question');
    await expect.poll(() => question.count(), { timeout: 240_000 }).toBe(1);
    expect(await question.textContent()).toContain('Should it say hello or hi?');
    expect(await revision.locator('.error, [role="alert"]').count()).toBe(0);
    // The thread followed the work to its newest line.
    expect(
      await page
        .getByTestId('chat-thread')
        .evaluate((el) => Math.round(el.scrollHeight - el.scrollTop - el.clientHeight)),
    ).toBeLessThan(40);
    const colours = await page.evaluate(() => {
      const css = getComputedStyle(document.documentElement);
      const title = document.querySelector('.reply-title')!;
      return { title: getComputedStyle(title).color, bad: css.getPropertyValue('--bad') };
    });
    expect(colours.title).not.toBe(hexToRgb(colours.bad));

    // Markdown: bold as bold, the code block highlighted.
    const text = revision.getByTestId('revision-text').first();
    expect(await text.locator('strong').textContent()).toBe('greeting');
    expect(await text.locator('pre code.hljs').count()).toBe(1);
    expect(await text.locator('pre code .hljs-keyword').count()).toBeGreaterThan(0);
    expect(await text.textContent()).not.toContain('**');

    // Three identical refused reads: one card, ×3, with the engine's reason.
    const cards = revision.getByTestId('step-card');
    const reads = cards.and(page.locator('[data-tool="read_file"]'));
    expect(await reads.count()).toBe(1);
    expect(await reads.getByTestId('step-repeat').textContent()).toBe('×3');
    expect(await reads.textContent()).toContain('Refused: there is no file src/greetings.ts');
    // The write: its diff.
    const writes = cards.and(page.locator('[data-tool="write_file"]'));
    await writes.first().locator('summary').click();
    expect(await writes.first().getByTestId('step-diff').textContent()).toContain(
      "+   const greeting: number = 'hello';",
    );
    // The failed check: open on its full errors, not cut to "1 error(s):".
    const checks = cards.and(page.locator('[data-tool="run_checks"]'));
    expect(await checks.getAttribute('open')).not.toBeNull();
    expect(await checks.getAttribute('class')).toContain('failed');
    const errors = await checks.getByTestId('step-result').textContent();
    expect(errors).toMatch(/greetings\.ts.*Type 'string' is not assignable to type 'number'/s);
    // "Type-check: 1 error(s):" said once, as the card's title, then the errors under it.
    expect(await checks.locator('summary').textContent()).toMatch(/Type-check: \d+ error\(s\):/);
    expect((await checks.textContent())!.split('Type-check:').length - 1).toBe(1);
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'question.png') });

    // The answer goes on; the revision closes with a branch and its actions.
    await question.getByRole('textbox', { name: 'Answer' }).fill('hello');
    await question.getByRole('button', { name: 'Answer' }).click();
    const closing = revision.getByTestId('revision-closing');
    await expect.poll(() => closing.count(), { timeout: 300_000 }).toBe(1);
    expect(await closing.getByTestId('revision-branch').textContent()).toBe('Branch 00002 is built and running');
    expect(await closing.getByTestId('revision-summary').textContent()).toBe('Added GET /greetings/get-greeting.');
    expect(await closing.getByRole('button', { name: 'Try the new route' }).count()).toBe(1);
    expect(await closing.getByRole('button', { name: 'Promote to staging' }).count()).toBe(1);
    // The answer under the question it answers, before the work it led to, not under the first prompt.
    expect((await inOrder(revision)).slice(0, ORDER.length)).toEqual(ORDER);
    expect(await page.getByTestId('cost-meter').textContent()).toMatch(/thread \$\d+\.\d{4}/);
    // The thread's cost is the revision's.
    expect((await page.getByTestId('cost-meter').textContent())!.match(/thread (\$[\d.]+)/)![1]).toBe(
      (await revision.getByTestId('revision-spend').textContent())!.split(' of ')[0],
    );
    await page.screenshot({ path: path.join(SHOTS, 'closing.png') });

    // View diff: the branch's diff, in the Diff tab.
    await closing.getByRole('button', { name: 'View diff' }).click();
    await expect.poll(() => page.getByTestId('tab-diff').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByTestId('diff-files').textContent(), { timeout: 30_000 }).toContain(FILE);

    // A reload: the whole thread back from the engine, tool calls included.
    await page.reload();
    await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
    await page.keyboard.press('Alt+1');
    await page.getByTestId('thread-users').click();
    const again = page.getByTestId('revision-1');
    await expect.poll(() => again.getByTestId('step-card').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    expect(await again.getByTestId('step-repeat').textContent()).toBe('×3');
    expect(await again.locator('[data-tool="run_checks"]').getByTestId('step-result').textContent()).toContain(
      "Type 'string' is not assignable to type 'number'",
    );
    expect(await again.getByTestId('revision-text').first().locator('pre code.hljs').count()).toBe(1);
    expect(await again.getByTestId('revision-branch').textContent()).toBe('Branch 00002 is built and running');
    await expect.poll(() => again.locator('.prompt').allTextContents()).toEqual(['Add a route that greets', 'hello']);
    expect((await inOrder(again)).slice(0, ORDER.length)).toEqual(ORDER);
    await page.close();
  });

  it('sends a prompt from the branch chosen in the composer, and keeps one thread per codebase', async () => {
    const page = await s.browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 720 });
    await open(page);
    const from = page.getByTestId('prompt-from');
    await expect
      .poll(() => from.locator('option').allTextContents(), { timeout: 30_000 })
      .toEqual(['the newest branch (00002)', '00002', '00001']);
    await from.selectOption('1');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('Add a route that says goodbye');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect
      .poll(() => page.getByTestId('revision-2').getByTestId('revision-question').count(), { timeout: 120_000 })
      .toBe(1);
    const rows = await callApi<{ number: number; parentBranch: number | null }[]>(
      s.serve,
      'revision.list',
      { codebase: 'users' },
      'query',
    );
    expect(rows.find((r) => r.number === 2)?.parentBranch).toBe(1);
    expect(await page.getByTestId('revision-2').textContent()).toContain('from 00001');

    // Another codebase, another thread: none of users' revisions in it.
    await page.getByTestId('thread-orders').click();
    await expect.poll(() => page.locator('.chat-empty').count()).toBe(1);
    expect(await page.getByTestId('revision-1').count()).toBe(0);
    expect(await page.getByRole('textbox', { name: 'Prompt' }).getAttribute('placeholder')).toBe(
      'Describe a change to orders…',
    );
    // The empty thread guides: what is set up, and prompts to start from.
    const firstRun = page.getByTestId('first-run');
    expect(await firstRun.locator('.first-run-step.done').count()).toBe(3);
    await firstRun.getByRole('button', { name: 'Add a route that lists users with pagination' }).click();
    expect(await page.getByRole('textbox', { name: 'Prompt' }).inputValue()).toBe(
      'Add a route that lists users with pagination',
    );
    // The provider presets are there too, each with "Test connection": nothing answers at Ollama's
    // endpoint on this machine, and the engine says so (the workspace's settings are left as they are).
    await firstRun.getByRole('button', { name: 'Ollama', exact: true }).click();
    expect(await page.getByTestId('first-run-choice').textContent()).toContain('http://127.0.0.1:11434/v1');
    await page.getByTestId('first-run-test-connection').click();
    await expect
      .poll(() => page.getByTestId('first-run-connection').textContent(), { timeout: 30_000 })
      .toContain('127.0.0.1:11434');
    await firstRun.getByRole('button', { name: 'Ollama', exact: true }).click();
    expect(await page.getByTestId('first-run-choice').count()).toBe(0);
    // Provider presets fill the settings' endpoint and model.
    await firstRun.getByRole('button', { name: 'Change' }).click();
    await page.getByTestId('preset-ollama').click();
    expect(await page.getByRole('textbox', { name: 'Base URL (OpenAI-compatible)' }).inputValue()).toBe(
      'http://127.0.0.1:11434/v1',
    );
    await page.getByTestId('preset-openrouter').click();
    expect(await page.getByRole('textbox', { name: 'Base URL (OpenAI-compatible)' }).inputValue()).toBe(
      'https://openrouter.ai/api/v1',
    );
    await page.keyboard.press('Alt+1');
    await page.getByTestId('thread-users').click();
    await expect.poll(() => page.getByTestId('revision-1').count()).toBe(1);

    // Stop: the running revision stops where its last turn got to, and can be resumed.
    await page.getByRole('textbox', { name: 'Prompt' }).fill('Add a route that takes its time');
    await page.getByRole('button', { name: 'Send' }).click();
    const third = page.getByTestId('revision-3');
    await expect.poll(() => third.getByTestId('revision-status').textContent(), { timeout: 60_000 }).toBe('running');
    await page.getByTestId('chat-stop').click();
    await expect
      .poll(() => third.getByTestId('revision-status').textContent(), { timeout: 60_000 })
      .toBe('interrupted');
    expect(await third.getByTestId('revision-stop').textContent()).toContain('stopped by the user');
    expect(await third.getByRole('button', { name: 'Resume from its last turn' }).count()).toBe(1);
    expect(await page.getByTestId('chat-stop').count()).toBe(0);
    await page.close();
  });

  it('renders a long thread a screenful at a time, opens it at the newest and scrolls it with the keyboard', async () => {
    const page = await s.browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 720 });
    await open(page);
    await page.getByTestId('thread-many').click();
    const thread = page.getByTestId('chat-thread');
    const shown = thread.locator('article.revision');
    await expect.poll(() => shown.last().getAttribute('data-testid'), { timeout: 30_000 }).toBe(`revision-${MANY}`);
    // The newest in view, the oldest not even in the page.
    await expect.poll(() => thread.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(40);
    expect(await shown.count()).toBeLessThan(MANY / 2);
    expect(await page.getByTestId('revision-1').count()).toBe(0);
    // The keyboard: Home to the first revision, End back to the newest.
    await thread.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByTestId('revision-1').count()).toBe(1);
    expect(await page.getByTestId(`revision-${MANY}`).count()).toBe(0);
    await page.keyboard.press('PageDown');
    await expect.poll(() => thread.evaluate((el) => el.scrollTop)).toBeGreaterThan(100);
    await page.keyboard.press('End');
    await expect.poll(() => page.getByTestId(`revision-${MANY}`).count()).toBe(1);
    // Another thread and back: the newest again.
    await page.getByTestId('thread-users').click();
    await page.getByTestId('thread-many').click();
    await expect.poll(() => page.getByTestId(`revision-${MANY}`).isVisible()).toBe(true);
    await page.close();
  });

  it('looks right at two sizes in light and dark, with no serious accessibility violation', async () => {
    await mkdir(SHOTS, { recursive: true });
    const found: Record<string, Violation[]> = {};
    const page = await s.browser.context.newPage();
    await page.goto(s.serve.loginUrl);
    for (const theme of ['light', 'dark'] as const) {
      for (const size of [
        { width: 1280, height: 720 },
        { width: 1920, height: 1080 },
      ]) {
        const tag = `${size.width}x${size.height}-${theme}`;
        await page.setViewportSize(size);
        await page.evaluate((t) => localStorage.setItem('branchyard.theme', t), theme);
        await page.reload();
        await expect.poll(() => page.locator('.connection').textContent(), { timeout: 30_000 }).toBe('live');
        await page.getByTestId('thread-users').click();
        await expect
          .poll(() => page.getByTestId('revision-1').getByTestId('step-card').count(), { timeout: 30_000 })
          .toBeGreaterThan(0);
        await page
          .getByTestId('revision-1')
          .getByTestId('step-card')
          .and(page.locator('[data-tool="write_file"]'))
          .first()
          .locator('summary')
          .click();
        await page.screenshot({ path: path.join(SHOTS, `${tag}.png`) });
        const violations = await seriousViolations(page);
        if (violations.length) found[tag] = violations;
      }
    }
    expect(found).toEqual({});
    await page.close();
  });
});

/** The first revision as it reads: prompt, the agent's calls, the question, the answer, what followed. */
const ORDER = [
  'prompt: Add a route that greets',
  'read_file',
  'write_file',
  'run_checks',
  'ask_user',
  'prompt: hello',
  'write_file',
  'write_file',
];
const inOrder = (revision: Locator) =>
  revision
    .locator('.prompt, [data-testid="step-card"]')
    .evaluateAll((els) =>
      els.map((e) => (e.classList.contains('prompt') ? `prompt: ${e.textContent}` : e.getAttribute('data-tool'))),
    );

function hexToRgb(hex: string): string {
  const n = Number.parseInt(hex.trim().slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
