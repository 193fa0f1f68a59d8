// An issue becomes a revision end to end, with both roles: issues.opened over a signed webhook;
// the product owner (its own scripted model) asks, which is posted on the issue and labelled
// needs-clarification; the author's comment answers (a stranger's does not), ready-for-dev; the
// product owner writes refined.md; the developer (another model) builds it, the checks run in
// the Docker sandbox and the branch is made; the closing comment and the label done. Then the
// audit trail of the revision names each role's actions. Polling opens a revision too.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionOutcome } from '../agent/index.ts';
import { LlmClient, revisionAudit, revisionSteps, runRevision } from '../agent/index.ts';
import type { ScriptedLlm } from '../agent/fixtures/scripted-llm.ts';
import { lastToolResult, scriptedLlm } from '../agent/fixtures/scripted-llm.ts';
import { createEventBus } from '../events/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import { addPrompt, openRevision, readRevision } from '../revisions/index.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { openSandbox } from '../sandbox/index.ts';
import type { Store } from '../store/index.ts';
import { openStore } from '../store/index.ts';
import type { AiConfig } from '../workspace/index.ts';
import { loadWorkspace } from '../workspace/index.ts';
import type { GithubStandIn } from './fixtures/github-server.ts';
import { githubStandIn } from './fixtures/github-server.ts';
import { connectRepository, handleWebhook, IssueBridge } from './index.ts';

const SECRET = 'issues-webhook-secret';
const TOKEN = 'ghp_issue_flow_token';
const REPO = 'acme/users-api';
const PO_MODEL = 'scripted/small-product-owner';
const DEV_MODEL = 'scripted/developer';
const greeting = `export function getGreeting(): { greeting: string } {\n  return { greeting: 'hello' };\n}\n`;
const greetingTest = `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { getGreeting } from './greetings.ts';\n\ntest('greets', () => {\n  assert.deepEqual(getGreeting(), { greeting: 'hello' });\n});\n`;

describe('GitHub issues become dev revisions, with a product owner and a developer', () => {
  let ws: TestWorkspace;
  let store: Store;
  let github: GithubStandIn;
  let bridge: IssueBridge;
  let server: http.Server;
  let url: string;
  let sandbox: Sandbox;
  let llm: ScriptedLlm;
  let config: AiConfig;
  const events = createEventBus();
  const jobs: Promise<RevisionOutcome>[] = [];
  const launched: number[] = [];

  beforeAll(async () => {
    ws = await testWorkspace('users');
    store = await openStore({ stateDir: path.join(ws.root, '.branchyard', 'state') });
    github = await githubStandIn({ repository: REPO, token: TOKEN });
    sandbox = await openSandbox({ limits: { memoryMb: 768, cpus: 1, pids: 256 }, backend: 'docker' }).catch(
      (error: Error) => {
        throw new Error(`these tests need a running Docker engine for the checks' sandbox: ${error.message}`);
      },
    );
    await connectRepository(ws.paths, 'users', {
      repository: REPO,
      apiUrl: github.apiUrl,
      tokenEnv: 'TEST_GITHUB_TOKEN',
      webhookSecretEnv: 'TEST_WEBHOOK_SECRET',
      triggerLabel: null,
    });
    const workspace = await loadWorkspace(ws.root);
    const env = { TEST_GITHUB_TOKEN: TOKEN, TEST_WEBHOOK_SECRET: SECRET };
    const run = (revision: number) => {
      const deps = {
        workspace,
        codebase: ws.codebase,
        db: store.db,
        events,
        sandbox,
        config,
        llm: new LlmClient({ provider: 'test', baseUrl: llm.baseUrl, model: config.model, apiKey: 'sk-scripted' }),
        launch: (branch: number) => (launched.push(branch), Promise.resolve({ gateways: ['development'] })),
      };
      jobs.push(runRevision(deps, revision));
    };
    bridge = new IssueBridge({
      paths: ws.paths,
      db: store.db,
      env,
      events,
      workflow: {
        prompt: async (_codebase, text) => {
          const revision = await openRevision({
            codebase: ws.codebase,
            state: store.db,
            events,
            prompt: text,
            parentBranch: 1,
          });
          run(revision.info.number);
          return { revision: revision.info.number };
        },
        answer: async (_codebase, revision, text) => {
          await addPrompt({ codebase: ws.codebase, state: store.db, events, number: revision, kind: 'answer', text });
          run(revision);
        },
        describeBranch: (_codebase, branch) =>
          Promise.resolve({
            routes: ['GET /greetings/get-greeting'],
            urls: [`https://users-${branch}.development.localhost:8443/`],
          }),
      },
    });
    server = http.createServer(
      (request, response) => void handleWebhook({ bridge, db: store.db, env }, request, response),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/github/users`;
  }, 120_000);
  afterEach(() => {
    if (llm?.failures.length) throw llm.failures[0]!;
  });
  afterAll(async () => {
    await Promise.allSettled(jobs);
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await bridge?.dispose();
    await llm?.close();
    await github?.close();
    await store?.close();
    await ws?.dispose();
  });

  const delivery = async (event: string, payload: unknown, id: string) => {
    const body = JSON.stringify(payload);
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': id,
        'x-hub-signature-256': await sign(SECRET, body),
      },
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };
  const settle = async () => {
    await Promise.allSettled(jobs);
    await bridge.settled();
  };
  const commentsOn = (number: number) =>
    github.issues
      .get(number)!
      .comments.filter((c) => c.author === github.botLogin)
      .map((c) => c.body);
  const labelCalls = (number: number) =>
    github.received
      .filter((r) => r.path.startsWith(`/repos/${REPO}/issues/${number}/labels`))
      .map((r) =>
        r.method === 'POST'
          ? `+${(r.body as { labels: string[] }).labels.join(',')}`
          : `-${decodeURIComponent(r.path.split('/').at(-1)!)}`,
      );

  it(
    'opened → questions on the issue → the author answers → refined → built → closing comment and label done; the audit trail names both roles',
    { timeout: 420_000 },
    async () => {
      llm = await scriptedLlm([
        (call) => {
          expect(call.body.model).toBe(PO_MODEL);
          expect(call.body.tools?.map((t) => (t as { function: { name: string } }).function.name)).toEqual([
            'list_files',
            'read_file',
            'search_files',
            'ask_user',
            'refine',
          ]);
          return {
            reply: { toolCalls: [{ name: 'list_files', arguments: {} }], usage: { prompt: 2000, completion: 50 } },
          };
        },
        {
          reply: {
            toolCalls: [{ name: 'ask_user', arguments: { questions: ["Should the greeting use the caller's name?"] } }],
            usage: { prompt: 2100, completion: 40 },
          },
        },
        (call) => {
          expect(call.body.model).toBe(PO_MODEL);
          expect(lastToolResult(call)).toContain('No name, just hello.');
          return {
            reply: {
              toolCalls: [
                {
                  name: 'refine',
                  arguments: {
                    request: 'Add GET /greetings/get-greeting returning { greeting: "hello" }.',
                    acceptance: ['GET /greetings/get-greeting answers { "greeting": "hello" }', 'a test covers it'],
                  },
                },
              ],
              usage: { prompt: 2200, completion: 80 },
            },
          };
        },
        (call) => {
          expect(call.body.model).toBe(DEV_MODEL);
          expect(call.body.messages.map((m) => m.content ?? '').join('\n')).toContain(
            'GET /greetings/get-greeting answers',
          );
          return {
            reply: {
              toolCalls: [
                {
                  name: 'write_file',
                  arguments: { path: 'src/features/greetings/controllers/greetings.ts', content: greeting },
                },
                {
                  name: 'write_file',
                  arguments: { path: 'src/features/greetings/controllers/greetings.test.ts', content: greetingTest },
                },
              ],
            },
          };
        },
        {
          reply: {
            toolCalls: [
              { name: 'finish', arguments: { summary: 'Added GET /greetings/get-greeting, which says hello.' } },
            ],
          },
        },
      ]);
      config = {
        ...(await loadWorkspace(ws.root)).ai,
        provider: 'test',
        baseUrl: llm.baseUrl,
        model: DEV_MODEL,
        prices: { inputPerMillionUsd: 3, outputPerMillionUsd: 15 },
        roles: { productOwner: { model: PO_MODEL, prices: { inputPerMillionUsd: 0.1, outputPerMillionUsd: 0.4 } } },
      };

      github.addIssue({ number: 1, title: 'Greet callers', body: 'We need a greeting route.', author: 'octocat' });
      const opened = await delivery(
        'issues',
        { action: 'opened', issue: github.issueJson(1), repository: { full_name: REPO } },
        'flow-1',
      );
      expect(opened.status, JSON.stringify(opened.body)).toBe(200);
      await settle();
      expect((await readRevision(ws.codebase, 1)).info.status).toBe('needs-answer');
      expect(commentsOn(1).at(-1)).toContain('@octocat, dev revision 0001 of users has questions');
      expect(commentsOn(1).at(-1)).toContain("Should the greeting use the caller's name?");
      expect(commentsOn(1).at(-1)).toContain('The product owner asks');
      expect(github.issues.get(1)!.labels).toEqual(['needs-clarification']);

      // A stranger's comment is no answer.
      const stranger = github.addComment(1, 'mallory', 'Make it say goodbye.');
      const ignored = await delivery(
        'issue_comment',
        {
          action: 'created',
          issue: github.issueJson(1),
          comment: { id: stranger, user: { login: 'mallory' }, body: 'Make it say goodbye.' },
          repository: { full_name: REPO },
        },
        'flow-2',
      );
      expect(ignored.body.ignored).toMatch(/by @mallory, not the issue's author @octocat/);
      const answer = github.addComment(1, 'octocat', 'No name, just hello.');
      const answered = await delivery(
        'issue_comment',
        {
          action: 'created',
          issue: github.issueJson(1),
          comment: { id: answer, user: { login: 'octocat' }, body: 'No name, just hello.' },
          repository: { full_name: REPO },
        },
        'flow-3',
      );
      expect(answered.status, JSON.stringify(answered.body)).toBe(200);
      await settle();

      const revision = await readRevision(ws.codebase, 1);
      expect(revision.info.status, revision.responses.at(-1)?.text).toBe('done');
      expect(launched).toEqual([2]);
      expect(await readFile(path.join(revision.dir, 'refined.md'), 'utf8')).toContain(
        '- [ ] GET /greetings/get-greeting answers { "greeting": "hello" }',
      );
      expect(revision.prompts.map((p) => p.kind)).toEqual(['prompt', 'answer']);
      // revision.json names the roles with their models and where the refined request is; each
      // response names the role that gave it (the closing error-free run has no engine words).
      expect(revision.info.roles).toEqual([
        { role: 'product-owner', model: PO_MODEL },
        { role: 'developer', model: DEV_MODEL },
      ]);
      expect(revision.info.refined).toBe('refined.md');
      expect(revision.responses.map((r) => [r.kind, r.role])).toEqual([
        ['questions', 'product-owner'],
        ['message', 'product-owner'],
        ['summary', 'developer'],
      ]);
      const closing = commentsOn(1).at(-1)!;
      expect(closing).toContain('made branch **00002**');
      expect(closing).toContain('`GET /greetings/get-greeting`');
      expect(closing).toContain('https://users-2.development.localhost:8443/');
      expect(closing).toMatch(/Cost: \$0\.\d{4}/);
      expect(labelCalls(1)).toEqual([
        '-ready-for-dev',
        '+needs-clarification',
        '-needs-clarification',
        '+ready-for-dev',
        '-needs-clarification',
        '-ready-for-dev',
        '-failed',
        '+done',
      ]);
      expect(github.issues.get(1)!.labels).toEqual(['done']);

      const trail = await revisionAudit(store.db, 'users', 1);
      const byRole = (role: string) => trail.filter((a) => a.role === role).map((a) => a.tool ?? a.action);
      expect(byRole('product-owner')).toEqual(['model', 'list_files', 'model', 'ask_user', 'model', 'refine']);
      expect(byRole('developer')).toEqual(['model', 'write_file', 'write_file', 'model', 'finish']);
      const poCalls = trail.filter((a) => a.role === 'product-owner' && a.action === 'model');
      // Each role at its own prices: 2000 prompt tokens at $0.10/M and 50 out at $0.40/M.
      expect(poCalls[0]).toMatchObject({ promptTokens: 2000, completionTokens: 50, costMicroUsd: 220 });
      const devCall = trail.find((a) => a.role === 'developer' && a.action === 'model')!;
      expect(devCall).toMatchObject({ promptTokens: 1000, completionTokens: 100, costMicroUsd: 4500 });
      const write = trail.find((a) => a.tool === 'write_file')!;
      expect(write.argsDigest).toMatch(/^sha256:[0-9a-f]{16}$/);
      expect(write.outcome).toBe('ok');
      expect(typeof write.durationMs).toBe('number');
      expect(trail.filter((a) => a.actor === 'engine').map((a) => a.action)).toEqual(
        expect.arrayContaining(['context', 'checks', 'branch', 'launch', 'revision.end']),
      );
      // The chat's steps name their role too.
      const steps = await revisionSteps(await loadWorkspace(ws.root), 'users', 1);
      expect(
        steps.filter((st) => st.kind === 'tool').map((st) => [st.role, st.kind === 'tool' ? st.tool : '']),
      ).toEqual([
        ['product-owner', 'list_files'],
        ['product-owner', 'ask_user'],
        ['product-owner', 'refine'],
        ['developer', 'write_file'],
        ['developer', 'write_file'],
        ['developer', 'finish'],
      ]);
    },
  );

  it('polling opens a revision from a labelled issue no webhook announced', { timeout: 120_000 }, async () => {
    llm = await scriptedLlm([
      { reply: { toolCalls: [{ name: 'ask_user', arguments: { questions: ['Which language?'] } }] } },
    ]);
    config = { ...config, baseUrl: llm.baseUrl };
    github.addIssue({
      number: 2,
      title: 'Translate the greeting',
      body: 'Say it in French too.',
      author: 'octocat',
      labels: ['enhancement'],
    });
    const said = await bridge.poll('users');
    expect(said).toContain('opened dev revision 0002 of users');
    // Issue 1 has its revision already: polling leaves it.
    expect(said.filter((s) => s.startsWith('opened'))).toHaveLength(1);
    await settle();
    expect(commentsOn(2).at(-1)).toContain('Which language?');
    expect(github.issues.get(2)!.labels).toContain('needs-clarification');
  });
});
