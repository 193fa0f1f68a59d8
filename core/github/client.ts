// The GitHub REST calls the issue flow makes (comments, labels, issues), through @octokit/core
// against the connection's API base URL (github.com or GitHub Enterprise Server). Each call has
// a time limit; a failure names the call, the repository and GitHub's own message.
import { Octokit } from '@octokit/core';
import { BranchyardError } from '../errors/index.ts';

const CALL_TIMEOUT_MS = 15_000;

export interface GithubIssue {
  number: number;
  title: string;
  body: string;
  author: string;
  labels: string[];
  state: string;
  isPullRequest: boolean;
}

export interface GithubComment {
  id: number;
  author: string;
  body: string;
}

interface RawIssue {
  number: number;
  title: string;
  body?: string | null;
  user: { login: string } | null;
  labels: (string | { name?: string })[];
  state: string;
  pull_request?: unknown;
}

export function issueOf(raw: RawIssue): GithubIssue {
  return {
    number: raw.number,
    title: raw.title,
    body: raw.body ?? '',
    author: raw.user?.login ?? '',
    labels: raw.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    state: raw.state,
    isPullRequest: raw.pull_request !== undefined,
  };
}

export class IssueClient {
  private readonly octokit: Octokit;
  readonly owner: string;
  readonly repo: string;

  constructor(options: { apiUrl: string; token: string; repository: string }) {
    this.octokit = new Octokit({
      auth: options.token,
      baseUrl: options.apiUrl.replace(/\/$/, ''),
      userAgent: 'branchyard',
    });
    [this.owner, this.repo] = options.repository.split('/') as [string, string];
  }

  get repository(): string {
    return `${this.owner}/${this.repo}`;
  }

  async issue(number: number): Promise<GithubIssue> {
    const { data } = await this.call(`read issue #${number}`, () =>
      this.octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', this.params({ issue_number: number })),
    );
    return issueOf(data as RawIssue);
  }

  /** Open issues carrying a label, newest first (polling). */
  async issuesLabelled(label: string | null): Promise<GithubIssue[]> {
    const { data } = await this.call('list issues', () =>
      this.octokit.request(
        'GET /repos/{owner}/{repo}/issues',
        this.params({
          state: 'open' as const,
          per_page: 50,
          sort: 'created' as const,
          direction: 'desc' as const,
          ...(label ? { labels: label } : {}),
        }),
      ),
    );
    return (data as RawIssue[]).map(issueOf).filter((i) => !i.isPullRequest);
  }

  /** Comments after the one given (GitHub's ids grow), oldest first. */
  async commentsAfter(number: number, afterId: number): Promise<GithubComment[]> {
    const { data } = await this.call(`read the comments of #${number}`, () =>
      this.octokit.request(
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        this.params({ issue_number: number, per_page: 100 }),
      ),
    );
    return (data as { id: number; user: { login: string } | null; body?: string }[])
      .map((c) => ({ id: c.id, author: c.user?.login ?? '', body: c.body ?? '' }))
      .filter((c) => c.id > afterId)
      .sort((a, b) => a.id - b.id);
  }

  async comment(number: number, body: string): Promise<number> {
    const { data } = await this.call(`comment on #${number}`, () =>
      this.octokit.request(
        'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
        this.params({ issue_number: number, body }),
      ),
    );
    return (data as { id: number }).id;
  }

  /** Takes the labels of `remove` off (those it has) and puts `add` on. */
  async relabel(number: number, change: { add: string[]; remove: string[] }): Promise<void> {
    for (const name of change.remove) {
      await this.call(`take label ${name} off #${number}`, () =>
        this.octokit.request(
          'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
          this.params({ issue_number: number, name }),
        ),
      ).catch((error: unknown) => {
        // 404: the issue did not have it, which is what was wanted.
        if (!(error instanceof BranchyardError && / 404 /.test(error.message))) throw error;
      });
    }
    if (change.add.length > 0)
      await this.call(`label #${number}`, () =>
        this.octokit.request(
          'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
          this.params({ issue_number: number, labels: change.add }),
        ),
      );
  }

  private params<T extends object>(rest: T) {
    return { owner: this.owner, repo: this.repo, ...rest, request: { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) } };
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const status = (error as { status?: number }).status;
      const message = (error as Error).message;
      throw new BranchyardError(
        'GithubError',
        `GitHub could not ${what} of ${this.repository}: ${status ? `${status} ` : ''}${message}`,
        { cause: error },
      );
    }
  }
}
