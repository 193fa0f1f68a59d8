// `schema …` and `db …`: a branch's schema checked against the shared one and every active
// branch, applied once it passes, and the workspace's databases.
import type { Command } from 'commander';
import type { SchemaReport } from '../schema/index.ts';
import { formatBranch } from '../git/index.ts';
import type { Run } from './command.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';
import { AlreadyPrinted } from './render.ts';

export function registerSchemaCommands(program: Command, run: Run, io: CliIo): void {
  const schema = program
    .command('schema')
    .description("a branch's schema against its database's shared schema and every active branch on it");
  schema
    .command('check')
    .description(
      'generate the migration, type-check every active branch against it, dry-run it on a copy of the data; writes the report into the branch',
    )
    .argument('<codebase>')
    .argument('<branch>')
    .action((codebase: string, branch: string) =>
      run(true, async ({ api, json }) => {
        const report = await api.schema.check.mutate({ codebase, branch });
        printResult(io, json, report, renderReport);
        if (report.status === 'failed') throw new AlreadyPrinted('the schema check failed');
      })(),
    );
  schema
    .command('apply')
    .description(
      'check again, then write the migration, apply it in one transaction, make the branch’s schema the shared one and flag the branches left behind',
    )
    .argument('<codebase>')
    .argument('<branch>')
    .action((codebase: string, branch: string) =>
      run(true, async ({ api, json }) => {
        const applied = await api.schema.applyChange.mutate({ codebase, branch });
        printResult(io, json, applied, (a) => {
          if (!a.migration)
            return `Nothing to apply: the schema of ${codebase} ${branch} is already the shared one of ${a.report.database}.`;
          const behind = Object.entries(a.behind).map(
            ([name, numbers]) => `${name} ${numbers.map((n) => formatBranch(n)).join(', ')}`,
          );
          return [
            `Applied ${a.migration} to ${a.report.database} (${a.report.statements.length} statements).`,
            behind.length ? `Schema copies now behind: ${behind.join('; ')}` : 'No other branch is behind.',
          ].join('\n');
        });
      })(),
    );

  const db = program.command('db').description("the workspace's shared databases");
  db.command('list')
    .description('databases and their engines')
    .action(
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.db.list.query(), (list) =>
          list.map((d) => `${d.name}  ${d.engine}${d.urlEnv ? ` (URL in $${d.urlEnv})` : ''}`).join('\n'),
        ),
      ),
    );
  db.command('add')
    .description(
      'a new database: embedded (PGlite) by default, or a PostgreSQL server whose URL is in an environment variable',
    )
    .option('--postgres <env>', 'the environment variable that holds the PostgreSQL URL')
    .action((options: { postgres?: string }) =>
      run(true, async ({ api, json }) => {
        const added = await api.db.add.mutate({ postgresUrlEnv: options.postgres });
        printResult(io, json, added, (a) => `Added ${a.name} (${a.config.engine}) in databases/${a.name}/.`);
      })(),
    );
}

function renderReport(report: SchemaReport): string {
  const label = `${report.codebase} ${formatBranch(report.branch)}`;
  if (report.status === 'unchanged')
    return `Schema of ${label}: the same as ${report.database}'s shared schema; nothing to check.`;
  const lines = [`Schema of ${label} on ${report.database}: ${report.status} (${report.durationMs} ms)`];
  if (report.statements.length > 0) lines.push('', 'Migration:', ...report.statements.map((s) => `  ${s}`));
  lines.push(
    '',
    report.branches.length === 0
      ? 'No other active branch uses this database.'
      : `Branches checked: ${report.branches.map((b) => `${b.codebase} ${formatBranch(b.branch)} (${b.activeBecause.join(', ')})`).join('; ')}`,
  );
  if (report.problems.length > 0)
    lines.push('', 'Problems:', ...report.problems.map((p) => `  ${p.kind} ${p.place}: ${p.message}`));
  return lines.join('\n');
}
