// Webhooks over real HTTP into a real engine state (PGlite) and real revision files, with the
// GitHub stand-in taking the REST calls: GitHub's published signature test vector, a delivery
// signed with the workspace's secret, a bad signature, a replay, an oversized payload, an event
// the flow has no use for. Whatever is refused creates nothing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign, verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import { openRevision, revisionNumbers } from '../revisions/index.ts';
import type { Store } from '../store/index.ts';
import { listDeliveries, openStore } from '../store/index.ts';
import type { GithubStandIn } from './fixtures/github-server.ts';
import { githubStandIn } from './fixtures/github-server.ts';
import { connectRepository, handleWebhook, IssueBridge, IssueClient } from './index.ts';

const SECRET = 'a-workspace-webhook-secret';
const TOKEN = 'ghp_standin_token_0123456789';
const REPO = 'acme/users-api';

describe('GitHub webhooks', () => {
  let ws: TestWorkspace;
  let store: Store;
  let github: GithubStandIn;
  let bridge: IssueBridge;
  let server: http.Server;
  let url: string;
  const prompts: string[] = [];

  beforeAll(async () => {
    ws = await testWorkspace('users');
    store = await openStore({ stateDir: `${ws.root}/.branchyard/state` });
    github = await githubStandIn({ repository: REPO, token: TOKEN });
    await connectRepository(ws.paths, 'users', {
      repository: REPO,
      apiUrl: github.apiUrl,
      tokenEnv: 'TEST_GITHUB_TOKEN',
      webhookSecretEnv: 'TEST_WEBHOOK_SECRET',
    });
    const env = { TEST_GITHUB_TOKEN: TOKEN, TEST_WEBHOOK_SECRET: SECRET };
    const events = createEventBus();
    bridge = new IssueBridge({
      paths: ws.paths,
      db: store.db,
      env,
      events,
      // The revision is opened for real (files and engine state); running it is the dev flow's test.
      workflow: {
        prompt: async (_codebase, text) => {
          prompts.push(text);
          const revision = await openRevision({
            codebase: ws.codebase,
            state: store.db,
            events,
            prompt: text,
            parentBranch: 1,
          });
          return { revision: revision.info.number };
        },
        answer: () => Promise.resolve(),
      },
    });
    server = http.createServer(
      (request, response) => void handleWebhook({ bridge, db: store.db, env }, request, response),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/github/users`;
  }, 60_000);
  afterAll(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await bridge?.dispose();
    await github?.close();
    await store?.close();
    await ws?.dispose();
  });

  const post = async (body: string, headers: Record<string, string>, to = url) => {
    const response = await fetch(to, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };
  const delivery = async (event: string, payload: unknown, id: string, secret = SECRET) => {
    const body = JSON.stringify(payload);
    return post(body, {
      'x-github-event': event,
      'x-github-delivery': id,
      'x-hub-signature-256': await sign(secret, body),
    });
  };
  const opened = (number: number, labels = ['branchyard']) => {
    github.addIssue({
      number,
      title: `Add a greeting ${number}`,
      body: 'GET /greetings should say hello.',
      author: 'octocat',
      labels,
    });
    return {
      action: 'opened',
      issue: github.issueJson(number),
      repository: { full_name: REPO },
      sender: { login: 'octocat' },
    };
  };

  it("GitHub's published test vector verifies, and its payload passes the signature check of the endpoint", async () => {
    const vector = {
      secret: "It's a Secret to Everybody",
      payload: 'Hello, World!',
      signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    };
    expect(await verify(vector.secret, vector.payload, vector.signature)).toBe(true);
    expect(await verify(vector.secret, vector.payload, vector.signature.replace(/7$/, '8'))).toBe(false);
    // With the vector's secret as the workspace's, the endpoint takes the signature and then refuses the body, which is no JSON.
    const vectorBridge = {
      bridge,
      db: store.db,
      env: { TEST_GITHUB_TOKEN: TOKEN, TEST_WEBHOOK_SECRET: vector.secret },
    };
    const other = http.createServer((request, response) => void handleWebhook(vectorBridge, request, response));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const to = `http://127.0.0.1:${(other.address() as AddressInfo).port}/hooks/github/users`;
      const signed = await post(
        vector.payload,
        { 'x-github-event': 'ping', 'x-github-delivery': 'vector-1', 'x-hub-signature-256': vector.signature },
        to,
      );
      expect(signed.status, JSON.stringify(signed.body)).toBe(400);
      expect(signed.body.error).toMatch(/not JSON/);
      const wrong = await post(
        vector.payload,
        {
          'x-github-event': 'ping',
          'x-github-delivery': 'vector-2',
          'x-hub-signature-256': vector.signature.replace(/7$/, '8'),
        },
        to,
      );
      expect(wrong.status).toBe(401);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('issues.opened signed with the workspace secret opens a dev revision with the issue as its prompt, and says so on the issue', async () => {
    const answer = await delivery('issues', opened(1), 'delivery-1');
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.done).toBe('opened dev revision 0001 of users');
    expect(await revisionNumbers(ws.codebase)).toEqual([1]);
    expect(prompts.at(-1)).toContain('Add a greeting 1');
    expect(prompts.at(-1)).toContain('GET /greetings should say hello.');
    const comments = github.received.filter(
      (r) => r.method === 'POST' && r.path === `/repos/${REPO}/issues/1/comments`,
    );
    expect(comments.map((c) => (c.body as { body: string }).body)).toEqual([
      expect.stringContaining('dev revision 0001 of users'),
    ]);
    expect(comments[0]!.authorization).toBe(`token ${TOKEN}`);
  });

  it('a bad or missing signature is 401 and creates nothing', async () => {
    const before = github.received.length;
    const forged = await delivery('issues', opened(2), 'delivery-2', 'not-the-secret');
    expect(forged.status).toBe(401);
    const body = JSON.stringify(opened(3));
    const unsigned = await post(body, { 'x-github-event': 'issues', 'x-github-delivery': 'delivery-3' });
    expect(unsigned.status).toBe(401);
    expect(await revisionNumbers(ws.codebase)).toEqual([1]);
    expect(github.received.length).toBe(before);
    expect((await listDeliveries(store.db)).map((d) => d.deliveryId)).not.toContain('delivery-2');
  });

  it('a replayed delivery is refused and opens nothing more', async () => {
    const replay = await delivery('issues', opened(4), 'delivery-1');
    expect(replay.status).toBe(409);
    expect(replay.body.error).toMatch(/delivery-1 was received before/);
    expect(await revisionNumbers(ws.codebase)).toEqual([1]);
  });

  it('an oversized payload is refused before it is read', async () => {
    const payload = { ...opened(5), padding: 'x'.repeat(1024 * 1024) };
    const answer = await delivery('issues', payload, 'delivery-5');
    expect(answer.status).toBe(413);
    expect(await revisionNumbers(ws.codebase)).toEqual([1]);
  });

  it('an unknown event, and a label other than the trigger, are ignored and say why', async () => {
    const star = await delivery('star', { action: 'created', repository: { full_name: REPO } }, 'delivery-6');
    expect(star.status).toBe(202);
    expect(star.body.ignored).toMatch(/the event star\.created is not one Branchyard acts on/);
    const label = await delivery(
      'issues',
      { action: 'labeled', label: { name: 'bug' }, issue: opened(7).issue, repository: { full_name: REPO } },
      'delivery-7',
    );
    expect(label.status).toBe(202);
    expect(label.body.ignored).toMatch(/a label other than branchyard/);
    const elsewhere = await delivery(
      'issues',
      { ...opened(8), repository: { full_name: 'someone/else' } },
      'delivery-8',
    );
    expect(elsewhere.body.ignored).toMatch(/about someone\/else/);
    expect(await revisionNumbers(ws.codebase)).toEqual([1]);
    const outcomes = Object.fromEntries((await listDeliveries(store.db)).map((d) => [d.deliveryId, d.outcome]));
    expect(outcomes['delivery-6']).toMatch(/^ignored: the event star/);
  });

  it("the issue client refuses a wrong token with GitHub's own message", async () => {
    const client = new IssueClient({ apiUrl: github.apiUrl, token: 'wrong', repository: REPO });
    await expect(client.comment(1, 'x')).rejects.toThrow(
      /GitHub could not comment on #1 of acme\/users-api: 401 Bad credentials/,
    );
  });
});
