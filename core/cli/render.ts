// Human renderings of command results. Kept apart from the commands so each stays short.
import type { DoctorReport } from '../doctor/index.ts';
import type { CodebaseSummary, InitResult } from '../workspace/index.ts';

const MARK = { ok: '✓', missing: '✗', skipped: '–' } as const;

export function renderDoctor(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.id.length));
  const lines = report.checks.map((check) => {
    const head = `${MARK[check.status]} ${check.id.padEnd(width)}  ${check.detail}`;
    return check.turnsOff ? `${head}\n  ${' '.repeat(width)}  turns off: ${check.turnsOff}` : head;
  });
  lines.push('', report.ok ? 'Everything Branchyard uses is available.' : 'Some pieces are missing; the lines marked ✗ say what each turns off.');
  return lines.join('\n');
}

export function renderInit(result: InitResult): string {
  return [`Created workspace ${result.name} at ${result.root}`, `Next: branchyard --workspace ${result.root} doctor`].join('\n');
}

export function renderCodebases(codebases: CodebaseSummary[]): string {
  if (codebases.length === 0) return 'No codebases yet; add one with `branchyard codebase add <name>`.';
  const rows = codebases.map((c) => [c.name, c.newestBranch ?? '-', c.activeBranch ?? '-', String(c.branchCount)]);
  return table([['CODEBASE', 'NEWEST', 'ACTIVE', 'BRANCHES'], ...rows]);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
