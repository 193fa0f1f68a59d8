// Issues as dev revisions (issue 22): an issue opened (or given the trigger label) on the
// connected repository opens a dev revision whose prompt is the issue; questions of either role
// are posted as a comment and labelled needs-clarification; the issue author's next comment
// answers them (label ready-for-dev) and the revision goes on; its end is a closing comment
// (branch, routes, development URL, cost; or why it stopped) and the label done or failed.
// Webhooks and polling both come here. The engine gives it the revision workflow as plain
// functions, so this part never reaches above its floor.
import { describeError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { formatBranch, formatRevision } from '../git/index.ts';
import type { StateDb } from '../store/index.ts';
import {
  codebaseIssues,
  issueRevisions,
  linkIssue,
  revisionId,
  revisionIssue,
  setLastComment,
} from '../store/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';
import type { GithubComment, GithubIssue } from './client.ts';
import { IssueClient } from './client.ts';
import type { GithubConnection } from './connection.ts';
import { readConnection } from './connection.ts';
import { readSecret } from './secrets.ts';

/** Marks the engine's own comments, so they are never taken for the author's answer. */
export const OWN_COMMENT_MARK = '<!-- branchyard -->';

/** The revision workflow, as the engine runs it. */
export interface RevisionWorkflow {
  /** Opens a dev revision with this prompt and starts it. */
  prompt(codebase: string, text: string): Promise<{ revision: number }>;
  /** Gives a waiting revision the user's answer; it goes on. */
  answer(codebase: string, revision: number, text: string): Promise<void>;
  /** The routes of a branch and the addresses that serve it, for the closing comment. */
  describeBranch?(codebase: string, branch: number): Promise<{ routes: string[]; urls: string[] }>;
}

export interface RevisionEnd {
  codebase: string;
  revision: number;
  status: string;
  branch: number | null;
  costMicroUsd: number;
  message: string;
  gateways: string[];
}

export interface IssueBridgeOptions {
  paths: WorkspacePaths;
  db: StateDb;
  env: NodeJS.ProcessEnv;
  events: EventBus;
  workflow: RevisionWorkflow;
  /** Tests and headless setups may hand in clients; by default one is made from the connection and its token. */
  client?: (connection: GithubConnection) => Promise<IssueClient>;
}

export type Handled = { done: string } | { ignored: string };

const LIVE = new Set(['open', 'needs-answer', 'interrupted']);

export class IssueBridge implements Disposable {
  private readonly listening: Disposable;
  /** Revisions that ended before their issue link was written (a very quick model). */
  private readonly endedEarly = new Map<string, RevisionEnd>();
  /** Work in flight, awaited on dispose and by tests. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: IssueBridgeOptions) {
    this.listening = options.events.on('revision.ended', (outcome) => void this.track(this.revisionEnded(outcome)));
  }

  async connection(codebase: string): Promise<GithubConnection | undefined> {
    return readConnection(this.options.paths, codebase);
  }

  async client(connection: GithubConnection): Promise<IssueClient> {
    if (this.options.client) return this.options.client(connection);
    const token = await readSecret({
      env: this.options.env,
      variable: connection.tokenEnv,
      repository: connection.repository,
      what: 'GitHub token',
    });
    return new IssueClient({ apiUrl: connection.apiUrl, token, repository: connection.repository });
  }

  /** An issue that should become a revision (opened, labelled, polled or named by hand). */
  async openFromIssue(
    codebase: string,
    connection: GithubConnection,
    issue: GithubIssue,
    options: { byHand?: boolean } = {},
  ): Promise<Handled & { revision?: number }> {
    const where = `${connection.repository}#${issue.number}`;
    if (issue.isPullRequest) return { ignored: `${where} is a pull request` };
    if (!options.byHand && connection.triggerLabel && !issue.labels.includes(connection.triggerLabel))
      return { ignored: `${where} has no label ${connection.triggerLabel}` };
    const live = (await issueRevisions(this.options.db, connection.repository, issue.number)).find((r) =>
      LIVE.has(r.status),
    );
    if (live)
      return {
        ignored: `${where} is already dev revision ${formatRevision(live.revision)} of ${live.codebase} (${live.status})`,
      };
    const client = await this.client(connection);
    const lastComment = (await client.commentsAfter(issue.number, 0)).at(-1)?.id ?? 0;
    const text = `${issue.title}\n\n${issue.body}`.trim() + `\n\n(GitHub issue ${where}, opened by @${issue.author})`;
    const { revision } = await this.options.workflow.prompt(codebase, text);
    const id = await revisionId(this.options.db, codebase, revision);
    if (id === undefined)
      throw new Error(`dev revision ${formatRevision(revision)} of ${codebase} is not in the engine state`);
    await linkIssue(this.options.db, {
      devRevisionId: id,
      codebase,
      repository: connection.repository,
      issueNumber: issue.number,
      author: issue.author,
      lastCommentId: lastComment,
    });
    await client.comment(
      issue.number,
      `${OWN_COMMENT_MARK}\nBranchyard is on it: dev revision ${formatRevision(revision)} of ${codebase}.`,
    );
    const early = this.endedEarly.get(`${codebase}:${revision}`);
    if (early) {
      this.endedEarly.delete(`${codebase}:${revision}`);
      await this.revisionEnded(early);
    }
    return { done: `opened dev revision ${formatRevision(revision)} of ${codebase}`, revision };
  }

  /** A new comment on an issue: the author's answer to a revision waiting for one goes to it. */
  async commentAdded(
    codebase: string,
    connection: GithubConnection,
    issueNumber: number,
    comment: GithubComment,
  ): Promise<Handled> {
    const where = `${connection.repository}#${issueNumber}`;
    if (comment.body.includes(OWN_COMMENT_MARK)) return { ignored: `the comment on ${where} is Branchyard's own` };
    const link = (await issueRevisions(this.options.db, connection.repository, issueNumber)).find(
      (r) => r.codebase === codebase,
    );
    if (!link) return { ignored: `${where} is no dev revision of ${codebase}` };
    if (comment.id <= link.lastCommentId) return { ignored: `comment ${comment.id} on ${where} was read before` };
    await setLastComment(this.options.db, link.devRevisionId, comment.id);
    if (link.status !== 'needs-answer')
      return { ignored: `dev revision ${formatRevision(link.revision)} is ${link.status}, not waiting for an answer` };
    if (comment.author !== link.author)
      return { ignored: `the comment on ${where} is by @${comment.author}, not the issue's author @${link.author}` };
    await this.options.workflow.answer(codebase, link.revision, comment.body);
    const client = await this.client(connection);
    await client.relabel(issueNumber, {
      remove: [connection.labels.needsClarification],
      add: [connection.labels.readyForDev],
    });
    return { done: `answered dev revision ${formatRevision(link.revision)} of ${codebase}` };
  }

  /** Polling: issues with the trigger label not yet taken, and comments on revisions waiting for an answer. */
  async poll(codebase: string): Promise<string[]> {
    const connection = await this.connection(codebase);
    if (!connection) return [];
    const client = await this.client(connection);
    const said: string[] = [];
    for (const issue of await client.issuesLabelled(connection.triggerLabel)) {
      if ((await issueRevisions(this.options.db, connection.repository, issue.number)).length > 0) continue;
      const handled = await this.openFromIssue(codebase, connection, issue);
      said.push('done' in handled ? handled.done : handled.ignored);
    }
    const waiting = new Map<number, number>();
    for (const link of await this.linksWaiting(codebase)) waiting.set(link.issueNumber, link.lastCommentId);
    for (const [issueNumber, after] of waiting) {
      for (const comment of await client.commentsAfter(issueNumber, after)) {
        const handled = await this.commentAdded(codebase, connection, issueNumber, comment);
        said.push('done' in handled ? handled.done : handled.ignored);
      }
    }
    return said;
  }

  /** Resolves once the work started so far (closing comments, labels) is done. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async dispose(): Promise<void> {
    this.listening.dispose();
    await this.settled();
  }

  private async linksWaiting(codebase: string) {
    return (await codebaseIssues(this.options.db, codebase)).filter((l) => l.status === 'needs-answer');
  }

  private track(work: Promise<unknown>): void {
    const tracked = work
      .catch((error: unknown) =>
        this.options.events.emit('progress', {
          task: 'github',
          step: 'failed',
          message: describeError(error),
          done: 1,
          total: 1,
        }),
      )
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private async revisionEnded(outcome: RevisionEnd): Promise<void> {
    const { db } = this.options;
    const id = await revisionId(db, outcome.codebase, outcome.revision);
    const link = id === undefined ? undefined : await revisionIssue(db, id);
    if (!link) {
      this.endedEarly.set(`${outcome.codebase}:${outcome.revision}`, outcome);
      // Only the newest few are kept: most revisions come from no issue at all.
      if (this.endedEarly.size > 20) this.endedEarly.delete(this.endedEarly.keys().next().value!);
      return;
    }
    // The engine stopping is no end: the revision will be resumed.
    if (outcome.status === 'open' || outcome.status === 'interrupted') return;
    const connection = await this.connection(outcome.codebase);
    if (!connection || connection.repository !== link.repository) return;
    const client = await this.client(connection);
    const { labels } = connection;
    const revision = `dev revision ${formatRevision(outcome.revision)} of ${outcome.codebase}`;
    const cost = `$${(outcome.costMicroUsd / 1e6).toFixed(4)}`;
    if (outcome.status === 'needs-answer') {
      await client.comment(
        link.issueNumber,
        `${OWN_COMMENT_MARK}\n@${link.author}, ${revision} has questions before it goes on:\n\n${outcome.message}\n\nAnswer in a comment on this issue.`,
      );
      await client.relabel(link.issueNumber, { remove: [labels.readyForDev], add: [labels.needsClarification] });
      return;
    }
    if (outcome.status === 'done' && outcome.branch !== null) {
      const described = await this.options.workflow
        .describeBranch?.(outcome.codebase, outcome.branch)
        .catch(() => undefined);
      const lines = [
        `${OWN_COMMENT_MARK}`,
        `Done: ${revision} made branch **${formatBranch(outcome.branch)}**.`,
        '',
        outcome.message,
        '',
        `- Branch: ${formatBranch(outcome.branch)}${outcome.gateways.length > 0 ? ` (served by ${outcome.gateways.join(', ')})` : ''}`,
        `- Routes: ${described && described.routes.length > 0 ? described.routes.map((r) => `\`${r}\``).join(', ') : 'none listed'}`,
        `- Development URL: ${described?.urls[0] ?? 'not served yet'}`,
        `- Cost: ${cost}`,
      ];
      await client.comment(link.issueNumber, lines.join('\n'));
      await client.relabel(link.issueNumber, {
        remove: [labels.needsClarification, labels.readyForDev, labels.failed],
        add: [labels.done],
      });
      return;
    }
    await client.comment(
      link.issueNumber,
      `${OWN_COMMENT_MARK}\n${revision} stopped (${outcome.status}): ${outcome.message}\n\n- Cost: ${cost}`,
    );
    await client.relabel(link.issueNumber, {
      remove: [labels.needsClarification, labels.readyForDev, labels.done],
      add: [labels.failed],
    });
  }
}
