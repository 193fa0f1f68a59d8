// The dev flow end to end, as a user runs it: `branchyard prompt` and `answer` against a running
// serve (real Docker, real gateways over HTTPS, real git), with the one stand-in, a scripted
// server speaking the OpenAI protocol, playing the model's turns.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import type { CliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { cliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { startServe } from '../serve/index.ts';
import type { ServeHandle } from '../serve/index.ts';
import { listActions, revisionId, spent } from '../store/index.ts';
import { forger } from './fixtures/forging-test.ts';
import type { ScriptedCall, ScriptedLlm, Step } from './fixtures/scripted-llm.ts';
import { lastToolResult, scriptedLlm } from './fixtures/scripted-llm.ts';

const KEY = 'sk-test-scripted-0123456789';
const greeting = (word: string) =>
  `export function getGreeting(): { greeting: string } {\n  return { greeting: '${word}' };\n}\n`;
const greetingTest = (word: string) =>
  `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { getGreeting } from './greetings.ts';\n\ntest('greets', () => {\n  assert.deepEqual(getGreeting(), { greeting: '${word}' });\n});\n`;
const write = (file: string, content: string) => ({ name: 'write_file', arguments: { path: file, content } });
const listFiles = { reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } };
const BUDGET = { perRevisionUsd: 1, perMonthUsd: 50, maxTurns: 40, maxMinutes: 20 };

describe('the dev flow: a prompt becomes a branch served by the development gateway', () => {
  let fixture: CliWorkspace;
  let ws: string;
  let serve: ServeHandle;
  let llm: ScriptedLlm | undefined;
  // The CLI never has the key: the engine does.
  const cli = (args: string[]) => fixture.cli(args, { env: { BRANCHYARD_AI_KEY: '' }, timeoutMs: 240_000 });
  const devGet = (urlPath: string) => fixture.get('development', urlPath);
  async function script(steps: Step[], ai: Record<string, unknown> = {}): Promise<ScriptedLlm> {
    await llm?.close();
    llm = await scriptedLlm(steps);
    const file = path.join(ws, 'ai', 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(
      file,
      JSON.stringify({ ...config, provider: 'test', baseUrl: llm.baseUrl, model: 'scripted/model', ...ai }, null, 2),
    );
    return llm;
  }

  const branches = async () =>
    (await readdir(path.join(ws, 'codebases', 'users', 'metadata', 'branches')))
      .filter((b) => /^\d{5}$/.test(b))
      .sort();
  const spentOn = async (stdout: string) => {
    const number = Number(/Dev revision (\d{4})/.exec(stdout)![1]);
    return spent(serve.store.db, { devRevisionId: (await revisionId(serve.store.db, 'users', number))! });
  };

  beforeAll(async () => {
    fixture = await cliWorkspace();
    ws = fixture.ws;
    // The key lives in the engine's environment only.
    serve = await startServe({
      workspaceRoot: ws,
      events: createEventBus(),
      env: { BRANCHYARD_RUNTIME: 'docker', BRANCHYARD_AI_KEY: KEY },
      port: 0,
    });
  });
  afterEach(() => {
    // An assertion inside a scripted turn fails the test that played it.
    if (llm?.failures.length) throw llm.failures[0]!;
  });
  afterAll(async () => {
    await llm?.close();
    await serve?.dispose();
    await fixture?.dispose();
  });

  it('happy path: lists, writes a function and its test, runs the checks, finishes; the development gateway serves the new route', async () => {
    const model = await script([
      { reply: { content: 'Looking at the code first.', toolCalls: [{ name: 'list_files', arguments: {} }] } },
      {
        reply: {
          toolCalls: [
            write('src/features/greetings/controllers/greetings.ts', greeting('hello')),
            write('src/features/greetings/controllers/greetings.test.ts', greetingTest('hello')),
          ],
        },
      },
      { reply: { toolCalls: [{ name: 'run_checks', arguments: {} }] } },
      {
        reply: {
          toolCalls: [
            { name: 'finish', arguments: { summary: 'Added GET /greetings/get-greeting, which says hello.' } },
          ],
        },
      },
    ]);
    const run = await cli(['prompt', 'users', 'Add a route that greets']);
    expect(run.stderr).not.toContain(KEY);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Dev revision 0001 of users: done');
    expect(run.stdout).toMatch(/Branch: 00002 \(served by development\)/);
    expect(run.stderr).toContain('turn 1/');
    expect(run.stderr).toContain('• write_file src/features/greetings/controllers/greetings.ts');
    expect(run.stderr).toMatch(/✓ checks \(engine\)/);

    // What the model was sent: the tools by their exact names, the key, streaming; never the engine's insides.
    const first = model.calls[0]!;
    expect(first.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(first.body.stream).toBe(true);
    expect((first.body.tools as { function: { name: string } }[]).map((t) => t.function.name)).toEqual([
      'list_files',
      'read_file',
      'write_file',
      'edit_file',
      'delete_file',
      'search_files',
      'run_checks',
      'ask_user',
      'finish',
    ]);
    const told = JSON.stringify(first.body.messages);
    expect(told).toContain('Add a route that greets');
    expect(told).toContain('src/features/notes/controllers/notes.ts');
    expect(told).not.toMatch(/docker|pm2|gateway|container/i);
    expect(lastToolResult(model.calls[1]!)).toContain('src/app.ts');
    expect(lastToolResult(model.calls[3]!)).toMatch(/Type-check: passed\.[\s\S]*Tests: 1 passed/);

    const answer = await devGet('/greetings/get-greeting');
    expect(answer.status, answer.stderr).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ greeting: 'hello' });

    const shown = await cli(['--json', 'revision', 'show', 'users', '1']);
    const revision = JSON.parse(shown.stdout) as {
      status: string;
      branch: number;
      costMicroUsd: number;
      prompts: { text: string }[];
      responses: { kind: string; text: string }[];
    };
    expect(revision).toMatchObject({ status: 'done', branch: 2 });
    // 4 calls of 1000 + 100 tokens at $3 / $15 per million.
    expect(revision.costMicroUsd).toBe(4 * (1000 * 3 + 100 * 15));
    expect(revision.responses.map((r) => r.kind)).toContain('summary');
    const summary = await readFile(
      path.join(ws, 'codebases', 'users', 'metadata', 'branches', '00002', 'summary.md'),
      'utf8',
    );
    expect(summary).toContain('GET /greetings/get-greeting');
    expect(summary).toContain('src/features/greetings/controllers/greetings.test.ts');
    const info = JSON.parse(
      await readFile(path.join(ws, 'codebases', 'users', 'metadata', 'branches', '00002', 'branch.info.json'), 'utf8'),
    ) as { author: string; checks: Record<string, { status: string }> };
    expect(info.author).toBe('agent');
    expect(['build', 'typecheck', 'tests'].map((c) => info.checks[c]?.status)).toEqual(['passed', 'passed', 'passed']);
    const db = serve.store.db;
    const actions = await listActions(db, { devRevisionId: (await revisionId(db, 'users', 1))! });
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'context',
        'tool:list_files',
        'tool:write_file',
        'tool:run_checks',
        'tool:finish',
        'checks',
        'branch',
        'launch',
        'revision.end',
      ]),
    );
  });

  it('asks first when the request is unclear; the answer goes on in the same revision', async () => {
    const model = await script([
      {
        reply: { toolCalls: [{ name: 'ask_user', arguments: { questions: ['Which word should the greeting use?'] } }] },
      },
      (call) => {
        expect(lastToolResult(call)).toContain('The user answered:\nSay bonjour');
        return {
          reply: {
            toolCalls: [
              write('src/features/greetings/controllers/greetings.ts', greeting('bonjour')),
              write('src/features/greetings/controllers/greetings.test.ts', greetingTest('bonjour')),
            ],
          },
        };
      },
      { reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'The greeting says bonjour.' } }] } },
    ]);
    const asked = await cli(['prompt', 'users', 'Change the greeting']);
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toContain('Dev revision 0002 of users: needs-answer');
    expect(asked.stdout).toContain('Which word should the greeting use?');
    const response = await readFile(
      path.join(ws, 'codebases', 'users', 'metadata', 'dev-revisions', '0002', 'response.md'),
      'utf8',
    );
    expect(response).toContain('Which word should the greeting use?');

    const answered = await cli(['answer', 'users', '2', 'Say bonjour']);
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stdout).toContain('Dev revision 0002 of users: done');
    expect(answered.stdout).toContain('Branch: 00003');
    expect(model.remaining()).toBe(0);
    const prompt = await readFile(
      path.join(ws, 'codebases', 'users', 'metadata', 'dev-revisions', '0002', 'prompt.md'),
      'utf8',
    );
    expect(prompt).toContain('Say bonjour');
    expect(JSON.parse((await devGet('/greetings/get-greeting')).body)).toEqual({ greeting: 'bonjour' });
  });

  it('debugs itself: a type error reaches the model through the checks, and the fixed version passes', async () => {
    const model = await script([
      {
        reply: {
          toolCalls: [
            write(
              'src/features/greetings/controllers/greetings.ts',
              'export function getGreeting(): { greeting: string } {\n  return { greeting: 42 };\n}\n',
            ),
            write('src/features/greetings/controllers/greetings.test.ts', greetingTest('hi')),
          ],
        },
      },
      { reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Greeting says hi.' } }] } },
      (call) => {
        const result = lastToolResult(call);
        expect(result).toContain('The checks failed, so no branch was made');
        expect(result).toMatch(/src\/features\/greetings\/controllers\/greetings\.ts:2:\d+ TS2322/);
        return { reply: { toolCalls: [write('src/features/greetings/controllers/greetings.ts', greeting('hi'))] } };
      },
      { reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Greeting says hi.' } }] } },
    ]);
    const run = await cli(['prompt', 'users', 'Make the greeting say hi']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Branch: 00004');
    expect(run.stderr).toMatch(/✗ checks \(engine\)/);
    expect(model.remaining()).toBe(0);
    expect(JSON.parse((await devGet('/greetings/get-greeting')).body)).toEqual({ greeting: 'hi' });
  });

  it('retries 429 (honouring Retry-After), 500 and a cut stream; answers malformed arguments, unknown tools and path escapes so the model can go on', async () => {
    const model = await script([
      { error: { status: 429, message: 'slow down', headers: { 'retry-after': '1' } } },
      { error: { status: 500, message: 'upstream hiccup' } },
      { cut: { content: 'I will start by' } },
      {
        reply: {
          toolCalls: [
            { name: 'read_file', arguments: '{"path": ' },
            { name: 'rm_rf', arguments: {} },
            { name: 'read_file', arguments: { path: '../../etc/passwd' } },
            { name: 'write_file', arguments: { path: '.env', content: 'x' } },
          ],
        },
      },
      (call) => {
        const results = call.body.messages
          .filter((m) => m.role === 'tool')
          .slice(-4)
          .map((m) => m.content ?? '');
        expect(results[0]).toMatch(/^Refused: the arguments of read_file are not a JSON object/);
        expect(results[1]).toMatch(/^Refused: there is no tool "rm_rf"/);
        expect(results[2]).toMatch(/^Refused: .*leads outside the working copy/);
        expect(results[3]).toMatch(/^Refused: .*hidden file/);
        return { error: { status: 401, message: 'Invalid API key provided' } };
      },
    ]);
    const started = Date.now();
    const run = await cli(['prompt', 'users', 'Anything']);
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('failed');
    expect(run.stdout).toContain('401 Invalid API key provided (check the API key)');
    expect(run.stderr).toMatch(/retrying in 1 s \(attempt 1\): 429 slow down/);
    expect(run.stderr).toMatch(/retrying .*the answer stream was cut/);
    expect(model.remaining()).toBe(0);
    // The cut stream is on the ledger (it may have been billed).
    expect(await spentOn(run.stdout)).toBeGreaterThan(1000 * 3 + 100 * 15);
  });

  it('a request to fix something gets the recent logs of the branch it starts from', async () => {
    const model = await script(
      [
        (call) => {
          const told = call.body.messages[1]!.content ?? '';
          expect(told).toMatch(/recent output of branch 00004 \(pm2 logs, the last \d+ tokens\)/);
          expect(told).toMatch(/\[out\] \[branch\] listening on/);
          expect(told).toMatch(/recent requests of branch 00004[\s\S]*GET \/greetings\/get-greeting 200/);
          expect(told).not.toContain(KEY);
          return listFiles;
        },
      ],
      { budget: { ...BUDGET, maxTurns: 1 } },
    );
    await serve.logs.flush();
    const run = await cli(['prompt', 'users', 'Fix the error in the greeting route', '--from', '4']);
    expect(run.stdout).toMatch(/: turn-limit/);
    expect(model.calls).toHaveLength(1);
  });

  it('money: stops as over-budget before a call that could pass the cap, lowering max_tokens to fit on the way; the ledger stays at or under the cap and no branch is made', async () => {
    // The worst case each time: the model uses every output token it is allowed.
    const spendAll = (call: ScriptedCall) => ({
      reply: {
        toolCalls: [{ name: 'list_files', arguments: {} }],
        usage: { prompt: 1000, completion: call.body.max_tokens ?? 0 },
      },
    });
    const model = await script(
      Array.from({ length: 12 }, () => spendAll),
      {
        prices: { inputPerMillionUsd: 3, outputPerMillionUsd: 15 },
        maxOutputTokens: 4000,
        budget: { ...BUDGET, perRevisionUsd: 0.22 },
      },
    );
    const before = await branches();
    const run = await cli(['prompt', 'users', 'Add a route that greets']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Dev revision \d{4} of users: over-budget/);
    expect(run.stdout).toMatch(/which would pass this revision's budget of \$0\.22/);
    // It made calls, then stopped with steps left over: the engine stopped, not the script.
    expect(model.calls.length).toBeGreaterThanOrEqual(2);
    expect(model.remaining()).toBeGreaterThan(0);
    const maxTokens = model.calls.map((c) => c.body.max_tokens ?? 0);
    expect(maxTokens[0]).toBe(4000);
    expect(Math.min(...maxTokens)).toBeLessThan(4000);
    const total = await spentOn(run.stdout);
    expect(total).toBe(maxTokens.reduce((sum, tokens) => sum + 1000 * 3 + tokens * 15, 0));
    expect(total).toBeLessThanOrEqual(220_000);
    expect(await branches()).toEqual(before);
  });

  it('turns: stops as turn-limit (not over-budget) at budget.maxTurns with no branch made', async () => {
    const model = await script([listFiles, listFiles, listFiles, listFiles], { budget: { ...BUDGET, maxTurns: 2 } });
    const before = await branches();
    const run = await cli(['prompt', 'users', 'Add a route that greets']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/: turn-limit/);
    expect(run.stdout).toContain('stopped at the limit of 2 turns');
    expect(model.calls).toHaveLength(2);
    expect(await spentOn(run.stdout)).toBe(2 * (1000 * 3 + 100 * 15));
    expect(await branches()).toEqual(before);
  });

  it('minutes: a call still running at budget.maxMinutes is aborted and the revision ends time-limit with no branch made', async () => {
    const model = await script([listFiles, { stall: { ms: 60_000 } }, listFiles], {
      budget: { ...BUDGET, maxMinutes: 0.1 },
    });
    const before = await branches();
    const started = Date.now();
    const run = await cli(['prompt', 'users', 'Add a route that greets']);
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/: time-limit/);
    expect(run.stdout).toContain('stopped at the limit of 0.1 minutes');
    expect(model.calls).toHaveLength(2);
    expect(await branches()).toEqual(before);
  });

  it(
    'a test that fails but prints a passing checks report (to its stdout, to PID 1 of its container) makes no branch: there is nothing to promote',
    { timeout: 300_000 },
    async () => {
      const model = await script(
        [
          {
            reply: {
              toolCalls: [
                write('src/features/greetings/controllers/greetings.ts', greeting('forged')),
                write('src/features/greetings/controllers/greetings.test.ts', forger('container')),
              ],
            },
          },
          { reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Greeting says forged.' } }] } },
          (call) => {
            const result = lastToolResult(call);
            expect(result).toContain('The checks failed, so no branch was made');
            expect(result).toContain('this branch does not work');
            return listFiles;
          },
        ],
        { budget: { ...BUDGET, maxTurns: 3 } },
      );
      const before = await branches();
      const run = await cli(['prompt', 'users', 'Make the greeting say forged']);
      expect(model.remaining()).toBe(0);
      expect(run.stdout).toMatch(/: turn-limit/);
      expect(run.stdout).not.toMatch(/Branch: \d{5}/);
      expect(run.stderr).toMatch(/✗ checks \(engine\)/);
      expect(run.stderr).not.toMatch(/✓ checks/);
      expect(await branches()).toEqual(before);
    },
  );

  it(
    'route checks before the branch is made: a route that throws for some inputs sends the agent the failing input, the status and the body; the fixed one is made with its routes passed',
    { timeout: 300_000 },
    async () => {
      const root = (guard: string) =>
        `export function findRoot(input: { n: number }): { root: number } {\n${guard}  return { root: Math.sqrt(input.n) };\n}\n`;
      const rootTest =
        "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { findRoot } from './roots.ts';\n\ntest('roots', () => {\n  assert.deepEqual(findRoot({ n: 9 }), { root: 3 });\n});\n";
      const file = 'src/features/roots/controllers/roots.ts';
      const model = await script(
        [
          {
            reply: {
              toolCalls: [
                write(file, root("  if (input.n < 0) throw new Error('negative');\n")),
                write('src/features/roots/controllers/roots.test.ts', rootTest),
              ],
            },
          },
          { reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Square roots.' } }] } },
          (call) => {
            const result = lastToolResult(call);
            expect(result).toContain('The route checks failed, so no branch was made');
            expect(result).toContain('- GET /roots/find-root: a valid input got 500');
            expect(result).toMatch(/input: \{"n":-[\d.e-]+\}/);
            expect(result).toContain('status: 500');
            return {
              reply: {
                toolCalls: [
                  {
                    name: 'edit_file',
                    arguments: {
                      path: file,
                      old_text: "  if (input.n < 0) throw new Error('negative');\n",
                      new_text: '',
                    },
                  },
                ],
              },
            };
          },
          {
            reply: {
              toolCalls: [
                {
                  name: 'edit_file',
                  arguments: { path: file, old_text: 'Math.sqrt(input.n)', new_text: 'Math.sqrt(Math.abs(input.n))' },
                },
              ],
            },
          },
          { reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Square roots of the absolute value.' } }] } },
        ],
        { budget: BUDGET },
      );
      const run = await cli(['prompt', 'users', 'Add a square root route']);
      expect(run.code, run.stderr).toBe(0);
      expect(model.remaining()).toBe(0);
      const number = /Branch: (\d{5})/.exec(run.stdout)![1]!;
      const info = JSON.parse(
        await readFile(path.join(ws, 'codebases', 'users', 'metadata', 'branches', number, 'branch.info.json'), 'utf8'),
      ) as { checks: Record<string, { status: string; detail?: string }> };
      expect(info.checks.routes).toMatchObject({
        status: 'passed',
        detail: expect.stringMatching(/routes?, \d+ calls with generated inputs \(in the sandbox\)$/),
      });
      expect(run.stderr).toMatch(/✗ checks \(engine\)/);
    },
  );

  it('a model that repeats a refused call is warned at the third time and the revision ends stuck, not at the turn limit', async () => {
    const finishNothing = { reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Done.' } }] } };
    const model = await script(
      [
        finishNothing,
        finishNothing,
        (call) => {
          expect(lastToolResult(call)).toContain('Nothing was changed');
          return finishNothing;
        },
        (call) => {
          expect(lastToolResult(call)).toContain('This is refusal number 3 in a row');
          return finishNothing;
        },
        finishNothing,
        finishNothing,
        finishNothing,
      ],
      { budget: BUDGET },
    );
    const before = await branches();
    const run = await cli(['prompt', 'users', 'Add a route that greets']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Dev revision \d{4} of users: stuck/);
    expect(run.stdout).toContain('the same call was refused 5 times in a row (finish: Nothing was changed');
    // It stopped itself with turns and steps to spare.
    expect(model.calls).toHaveLength(5);
    expect(model.remaining()).toBe(2);
    expect(await branches()).toEqual(before);
  });

  it('two revisions on one codebase at once make two distinct branches, each with only its own change', async () => {
    const feature = (word: string) => ({
      code: write(
        `src/features/${word}/controllers/${word}.ts`,
        `export function get${word[0]!.toUpperCase()}${word.slice(1)}(): { word: string } {\n  return { word: '${word}' };\n}\n`,
      ),
    });
    // One responder for both: each call is answered from its own conversation.
    const respond = (call: ScriptedCall) => {
      const word = /Add the (\w+) route/.exec(JSON.stringify(call.body.messages))![1]!;
      const wrote = call.body.messages.some((m) => m.role === 'tool');
      return {
        reply: {
          toolCalls: [
            wrote ? { name: 'finish', arguments: { summary: `Added GET /${word}/get-${word}.` } } : feature(word).code,
          ],
        },
      };
    };
    const model = await script(
      Array.from({ length: 4 }, () => respond),
      { budget: BUDGET },
    );
    const before = await branches();
    const [alpha, beta] = await Promise.all([
      cli(['prompt', 'users', 'Add the alpha route']),
      cli(['prompt', 'users', 'Add the beta route']),
    ]);
    expect(alpha.code, alpha.stderr).toBe(0);
    expect(beta.code, beta.stderr).toBe(0);
    expect(model.remaining()).toBe(0);
    const made = (stdout: string) => /Branch: (\d{5})/.exec(stdout)![1]!;
    const [a, b] = [made(alpha.stdout), made(beta.stdout)];
    expect(a).not.toBe(b);
    expect(await branches()).toEqual([...before, a, b].sort());
    const revisions = [alpha, beta].map((run) => /Dev revision (\d{4})/.exec(run.stdout)![1]);
    expect(revisions[0]).not.toBe(revisions[1]);
    const summary = async (branch: string) =>
      readFile(path.join(ws, 'codebases', 'users', 'metadata', 'branches', branch, 'summary.md'), 'utf8');
    expect(await summary(a)).toContain('src/features/alpha/controllers/alpha.ts');
    expect(await summary(a)).not.toContain('beta');
    expect(await summary(b)).toContain('src/features/beta/controllers/beta.ts');
    expect(await summary(b)).not.toContain('alpha');
    // The development gateway follows the newer of the two.
    const newer = a > b ? 'alpha' : 'beta';
    const served = await devGet(`/${newer}/get-${newer}`);
    expect(served.status, served.stderr).toBe(200);
    expect(JSON.parse(served.body)).toEqual({ word: newer });
  });
});
