// GitHub issues as dev revisions (issue 22): `issue <codebase> <owner/repo#n>` starts one by
// hand; `github connect|show|poll` connects a codebase to a repository, shows the connection
// and polls now. `revision audit` lists a revision's audit trail (JSONL with --json).
import type { Command } from 'commander';
import type { AuditEntry } from '../agent/index.ts';
import { auditJsonl, ROLE_LABEL } from '../agent/index.ts';
import { formatRevision } from '../git/index.ts';
import type { Run } from './command.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';

export function registerIssueCommands(program: Command, run: Run, io: CliIo): void {
  program
    .command('issue')
    .description(
      'a dev revision from a GitHub issue of the repository the codebase is connected to (`github connect`); its questions and result go to the issue',
    )
    .argument('<codebase>')
    .argument('<issue>', 'owner/repo#number, e.g. acme/shop-api#12')
    .action((codebase: string, issue: string) =>
      run(true, async ({ api, json }) => {
        const started = await api.github.issue.mutate({ codebase, issue });
        printResult(
          io,
          json,
          started,
          (r) =>
            `Dev revision ${formatRevision(r.revision)} of ${r.codebase} opened from ${r.issue}; it answers on the issue.\nFollow it with \`branchyard revision show ${r.codebase} ${r.revision}\`.`,
        );
      })(),
    );

  const github = program
    .command('github')
    .description("a codebase's GitHub repository, whose issues become dev revisions");
  github
    .command('connect')
    .argument('<codebase>')
    .argument('<repository>', 'owner/name')
    .option(
      '--api-url <url>',
      'the REST API: https://api.github.com (default) or https://<host>/api/v3 for GitHub Enterprise',
    )
    .option(
      '--token-env <name>',
      'the environment variable holding the token (default GITHUB_TOKEN; or the OS keychain)',
    )
    .option(
      '--secret-env <name>',
      'the environment variable holding the webhook secret (default BRANCHYARD_GITHUB_WEBHOOK_SECRET)',
    )
    .option('--label <label>', 'the label that makes an issue a request (default branchyard)')
    .option('--any-issue', 'every opened issue is a request, labelled or not')
    .option('--poll <seconds>', 'poll the repository this often, for a machine webhooks cannot reach')
    .action(
      (
        codebase: string,
        repository: string,
        options: {
          apiUrl?: string;
          tokenEnv?: string;
          secretEnv?: string;
          label?: string;
          anyIssue?: boolean;
          poll?: string;
        },
      ) =>
        run(true, async ({ api, json }) => {
          const connection = await api.github.connect.mutate({
            codebase,
            repository,
            apiUrl: options.apiUrl,
            tokenEnv: options.tokenEnv,
            webhookSecretEnv: options.secretEnv,
            triggerLabel: options.anyIssue ? null : options.label,
            pollSeconds: options.poll === undefined ? undefined : Number(options.poll),
          });
          printResult(io, json, connection, (c) =>
            [
              `${codebase} is connected to ${c.repository} (${c.apiUrl}).`,
              `Token: $${c.tokenEnv} or the OS keychain. Webhook secret: $${c.webhookSecretEnv}.`,
              `Webhook: POST <engine address>/hooks/github/${codebase} (content type application/json; events: issues, issue comments).`,
              c.pollSeconds ? `Polling every ${c.pollSeconds} s.` : 'Polling: off.',
            ].join('\n'),
          );
        })(),
    );
  github
    .command('show')
    .argument('<codebase>')
    .action((codebase: string) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.github.show.query({ codebase }), (c) =>
          c ? JSON.stringify(c, null, 2) : `${codebase} is not connected to GitHub.`,
        ),
      )(),
    );
  github
    .command('poll')
    .argument('<codebase>')
    .description('ask the repository now for new requests and answers')
    .action((codebase: string) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.github.poll.mutate({ codebase }), (r) =>
          r.said.length ? r.said.join('\n') : 'Nothing new.',
        ),
      )(),
    );

  // Under `revision`, which revision-commands.ts makes.
  const revision = program.commands.find((c) => c.name() === 'revision') ?? program.command('revision');
  revision
    .command('audit')
    .description(
      'every action of the product owner, the developer and the engine in a revision: tool, argument digest, outcome, tokens, cost, time (JSONL with --json)',
    )
    .argument('<codebase>')
    .argument('<revision>', 'its number: 3 or 0003')
    .action((codebase: string, number: string) =>
      run(true, async ({ api, json }) => {
        const entries = await api.audit.list.query({ codebase, revision: number });
        io.stdout(json ? auditJsonl(entries) : renderAudit(entries));
      })(),
    );
}

export function renderAudit(entries: AuditEntry[]): string {
  if (entries.length === 0) return 'No actions recorded.\n';
  const rows = entries.map((e) => [
    e.at.slice(11, 19),
    e.role ? ROLE_LABEL[e.role] : e.actor,
    e.tool ?? e.action,
    e.outcome ?? '',
    e.promptTokens || e.completionTokens ? `${e.promptTokens}+${e.completionTokens}` : '',
    e.costMicroUsd ? `$${(e.costMicroUsd / 1e6).toFixed(4)}` : '',
    e.durationMs === null ? '' : `${e.durationMs} ms`,
    e.argsDigest ?? '',
  ]);
  const header = ['time', 'who', 'action', 'outcome', 'tokens', 'cost', 'took', 'arguments'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const cost = entries.reduce((sum, e) => sum + e.costMicroUsd, 0);
  return (
    [line(header), ...rows.map(line), '', `${entries.length} actions, $${(cost / 1e6).toFixed(4)}`].join('\n') + '\n'
  );
}
