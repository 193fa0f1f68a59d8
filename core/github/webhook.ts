// GitHub's webhooks on a path of their own (`/hooks/github/<codebase>`), outside the UI's token:
// GitHub cannot hold it, so the signature is what lets a delivery in. The X-Hub-Signature-256
// HMAC of the exact body is checked by GitHub's own library (constant time) with the
// connection's secret; a missing or wrong one is 401 and nothing is created. A delivery id seen
// before is refused (409), a body over the limit is refused (413) before it is read whole, and
// an event the flow has no use for is answered 202 with what was ignored and why.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verify } from '@octokit/webhooks-methods';
import { describeError } from '../errors/index.ts';
import type { StateDb } from '../store/index.ts';
import { claimDelivery, noteDeliveryOutcome, releaseDelivery } from '../store/index.ts';
import type { Handled, IssueBridge } from './bridge.ts';
import { issueOf } from './client.ts';
import type { GithubConnection } from './connection.ts';
import { readSecret } from './secrets.ts';

export const WEBHOOK_PATH = '/hooks/github/';
/** GitHub caps its payloads at 25 MB; an issue event is a few kB, so a megabyte is ample. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface WebhookOptions {
  bridge: IssueBridge;
  db: StateDb;
  env: NodeJS.ProcessEnv;
  maxBytes?: number;
}

export function webhookCodebase(pathname: string): string | undefined {
  if (!pathname.startsWith(WEBHOOK_PATH)) return undefined;
  const name = decodeURIComponent(pathname.slice(WEBHOOK_PATH.length)).replace(/\/$/, '');
  return /^[a-z0-9][a-z0-9-]*$/i.test(name) ? name : undefined;
}

/** Handles one request to the webhook path. */
export async function handleWebhook(
  options: WebhookOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const answer = (status: number, body: Record<string, unknown>) => {
    if (!response.headersSent)
      response.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
  };
  if (request.method !== 'POST') return answer(405, { error: 'GitHub webhooks are POSTed' });
  const codebase = webhookCodebase(new URL(request.url ?? '/', 'http://localhost').pathname);
  const connection = codebase ? await options.bridge.connection(codebase).catch(() => undefined) : undefined;
  if (!codebase || !connection)
    return answer(404, { error: `no codebase here is connected to GitHub at ${request.url ?? ''}` });
  const max = options.maxBytes ?? MAX_WEBHOOK_BYTES;
  const body = await readBody(request, max);
  if (body === 'too-large') return answer(413, { error: `the payload is over ${max} bytes` });
  let secret: string;
  try {
    secret = await readSecret({
      env: options.env,
      variable: connection.webhookSecretEnv,
      repository: connection.repository,
      what: 'webhook secret',
    });
  } catch (error) {
    return answer(503, { error: describeError(error) });
  }
  const signature = request.headers['x-hub-signature-256'];
  if (typeof signature !== 'string' || !(await verify(secret, body, signature).catch(() => false)))
    return answer(401, { error: 'the X-Hub-Signature-256 signature is missing or wrong' });
  const delivery = request.headers['x-github-delivery'];
  const event = request.headers['x-github-event'];
  if (typeof delivery !== 'string' || !delivery || typeof event !== 'string' || !event)
    return answer(400, { error: 'X-GitHub-Delivery and X-GitHub-Event are required' });
  if (!(await claimDelivery(options.db, { deliveryId: delivery, codebase, event })))
    return answer(409, { error: `delivery ${delivery} was received before; it is not taken twice` });
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(body) as Record<string, unknown>;
  } catch {
    await noteDeliveryOutcome(options.db, delivery, 'refused: not JSON');
    return answer(400, { error: 'the payload is not JSON (the webhook content type must be application/json)' });
  }
  let handled: Handled;
  try {
    handled = await dispatch(options.bridge, codebase, connection, event, payload);
  } catch (error) {
    await releaseDelivery(options.db, delivery);
    return answer(500, { error: `the delivery could not be handled: ${describeError(error)}` });
  }
  await noteDeliveryOutcome(options.db, delivery, 'done' in handled ? handled.done : `ignored: ${handled.ignored}`);
  answer('done' in handled ? 200 : 202, handled);
}

async function dispatch(
  bridge: IssueBridge,
  codebase: string,
  connection: GithubConnection,
  event: string,
  payload: Record<string, unknown>,
): Promise<Handled> {
  const repository = (payload.repository as { full_name?: string } | undefined)?.full_name;
  if (event === 'ping') return { done: 'pong' };
  if (repository !== connection.repository)
    return {
      ignored: `the event is about ${repository ?? 'no repository'}, and ${codebase} is connected to ${connection.repository}`,
    };
  const action = payload.action as string | undefined;
  if (event === 'issues' && (action === 'opened' || action === 'labeled')) {
    if (action === 'labeled' && (payload.label as { name?: string } | undefined)?.name !== connection.triggerLabel)
      return { ignored: `a label other than ${connection.triggerLabel ?? '(none set)'} was added` };
    return bridge.openFromIssue(codebase, connection, issueOf(payload.issue as Parameters<typeof issueOf>[0]));
  }
  if (event === 'issue_comment' && action === 'created') {
    const comment = payload.comment as { id: number; user: { login: string } | null; body?: string };
    const issue = payload.issue as { number: number };
    return bridge.commentAdded(codebase, connection, issue.number, {
      id: comment.id,
      author: comment.user?.login ?? '',
      body: comment.body ?? '',
    });
  }
  return {
    ignored: `the event ${event}${action ? `.${action}` : ''} is not one Branchyard acts on (it acts on issues.opened, issues.labeled and issue_comment.created)`,
  };
}

function readBody(request: IncomingMessage, max: number): Promise<string | 'too-large'> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    request.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        return resolve('too-large');
      }
      chunks.push(chunk);
    });
    request.on('end', () => !over && resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
