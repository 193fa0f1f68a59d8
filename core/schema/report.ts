// The schema check's report: every branch checked and every problem with its place, kept in the
// branch's metadata as JSON (for the UI and promotion) and markdown (for people and the agent).
import { formatBranch } from '../git/index.ts';
import type { DryRunKind } from './database-host.ts';

export type ProblemKind = 'compile' | 'data-loss' | 'migration' | 'incompatible' | 'database';

export interface SchemaProblem {
  kind: ProblemKind;
  /** Where: a file and line, or a table and column of the database. */
  place: string;
  message: string;
  /** The other branch it breaks, for `incompatible`. */
  branch?: { codebase: string; branch: number };
}

export interface CheckedBranch {
  codebase: string;
  branch: number;
  /** Why it counts as active: the gateways that serve it, or "running". */
  activeBecause: string[];
  problems: number;
}

export interface SchemaReport {
  codebase: string;
  branch: number;
  database: string;
  status: 'passed' | 'failed' | 'unchanged';
  checkedAt: string;
  durationMs: number;
  /** How the migration was tried, when it was. */
  dryRun: DryRunKind | null;
  statements: string[];
  branches: CheckedBranch[];
  problems: SchemaProblem[];
}

export const REPORT_JSON = 'schema-check.json';
export const REPORT_MARKDOWN = 'schema-check.md';

export function reportMarkdown(report: SchemaReport): string {
  const label = (codebase: string, branch: number) => `${codebase} ${formatBranch(branch)}`;
  const lines = [
    `# Schema check: ${label(report.codebase, report.branch)} on ${report.database}`,
    '',
    `**${report.status === 'unchanged' ? 'passed: the schema is the same as the shared one' : report.status}** · ${report.checkedAt} · ${report.durationMs} ms`,
    '',
  ];
  if (report.statements.length > 0) {
    lines.push(
      '## Migration',
      '',
      report.dryRun
        ? `Dry-run: ${report.dryRun === 'copy' ? 'on a copy of the database with its data' : 'in a transaction on the database, rolled back (others were connected, so it could not be copied)'}.`
        : 'Not tried.',
      '',
      '```sql',
      ...report.statements,
      '```',
      '',
    );
  }
  lines.push('## Branches checked', '');
  if (report.branches.length === 0) lines.push(`No other active branch uses ${report.database}.`);
  else {
    lines.push('| branch | active because | problems |', '|---|---|---|');
    for (const b of report.branches)
      lines.push(`| ${label(b.codebase, b.branch)} | ${b.activeBecause.join(', ')} | ${b.problems} |`);
  }
  lines.push('', '## Problems', '');
  if (report.problems.length === 0) lines.push('None.');
  for (const p of report.problems)
    lines.push(
      `- **${p.kind}** \`${p.place}\`${p.branch ? ` (${label(p.branch.codebase, p.branch.branch)})` : ''}: ${p.message}`,
    );
  return `${lines.join('\n')}\n`;
}
