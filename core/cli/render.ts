// Human renderings of command results. Kept apart from the commands so each stays short.
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../api/index.ts';
import type { DoctorReport } from '../doctor/index.ts';
import { formatBranch, formatRevision } from '../git/index.ts';
import type { CodebaseSummary, InitResult } from '../workspace/index.ts';

const MARK = { ok: '✓', missing: '✗', skipped: '–' } as const;

export function renderDoctor(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.id.length));
  const lines = report.checks.map((check) => {
    const head = `${MARK[check.status]} ${check.id.padEnd(width)}  ${check.detail}`;
    return check.turnsOff ? `${head}\n  ${' '.repeat(width)}  turns off: ${check.turnsOff}` : head;
  });
  lines.push(
    '',
    report.ok
      ? 'Everything Branchyard uses is available.'
      : 'Some pieces are missing; the lines marked ✗ say what each turns off.',
  );
  return lines.join('\n');
}

export function renderInit(result: InitResult): string {
  const ports = Object.entries(result.ports.gateways)
    .map(([name, g]) => `${name} :${g.port}`)
    .join(', ');
  const moved =
    result.ports.shift === 0
      ? ''
      : ` (moved up ${result.ports.shift}: the template's ports are taken by another workspace or program)`;
  return [
    `Created workspace ${result.name} at ${result.root}`,
    `Gateways: ${ports}${moved}`,
    `Next: branchyard --workspace ${result.root} doctor`,
  ].join('\n');
}

export function renderCodebases(codebases: CodebaseSummary[]): string {
  if (codebases.length === 0) return 'No codebases yet; add one with `branchyard codebase add <name>`.';
  const rows = codebases.map((c) => [c.name, c.newestBranch ?? '-', c.activeBranch ?? '-', String(c.branchCount)]);
  return table([['CODEBASE', 'NEWEST', 'ACTIVE', 'BRANCHES'], ...rows]);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

type Api = inferRouterOutputs<AppRouter>;

const pad5 = (n: number | null) => (n === null ? '-' : formatBranch(n));
const pad4 = (n: number | null) => (n === null ? '-' : formatRevision(n));
const dollars = (micro: number) => `$${(micro / 1_000_000).toFixed(4)}`;

export function renderCodebaseAdded(result: Api['codebase']['add']): string {
  return `Added codebase ${result.name} at ${result.dir}\nBranch ${pad5(result.branch)} holds the boilerplate (${result.files} files, commit ${result.commit.slice(0, 7)}).`;
}

export function renderBranchList(result: Api['branch']['list']): string {
  // live, waking, sleeping (woken by its next request), failed or stopped.
  const live = (b: (typeof result.branches)[number]) =>
    result.runtime === null
      ? '?'
      : (b.state ?? 'stopped') + (b.process && !result.runtime.isolated ? ' (no isolation)' : '');
  const rows = result.branches.map((b) => [
    pad5(b.number),
    pad5(b.parent),
    b.status,
    live(b),
    pad4(b.devRevision),
    b.author,
    b.gateways.join(',') || '-',
    b.message,
  ]);
  const lines = [
    rows.length
      ? table([['BRANCH', 'PARENT', 'STATUS', 'STATE', 'REVISION', 'BY', 'GATEWAYS', 'MESSAGE'], ...rows])
      : 'No branches.',
  ];
  if (result.runtime === null)
    lines.push(
      result.runtimeProblem
        ? `(process states unknown: ${result.runtimeProblem})`
        : '(process states need the live engine: `branchyard serve`)',
    );
  for (const problem of result.problems) lines.push(`! ${problem.file}: ${problem.reason}`);
  return lines.join('\n');
}

export function renderBranchShow(result: Api['branch']['show']): string {
  const { info } = result;
  const checks = Object.entries(info.checks)
    .map(([name, check]) => `${name} ${check.status}`)
    .join(' · ');
  return [
    `Branch ${pad5(info.number)}  (parent ${pad5(info.parent)}, commit ${info.commit.slice(0, 7)}, ${info.author}, ${info.createdAt})`,
    `Status: ${info.status}   Checks: ${checks}`,
    info.devRevision ? `Dev revision: ${pad4(info.devRevision)}` : '',
    '',
    result.summary.trim(),
  ]
    .filter((line, i) => line !== '' || i === 3)
    .join('\n');
}

export function renderBranchCreated(result: Api['branch']['new']): string {
  const { info } = result;
  const lines = [
    `Created branch ${pad5(info.number)} from ${pad5(info.parent)} (commit ${info.commit.slice(0, 7)}), ${result.changes.length} files changed:`,
  ];
  for (const c of result.changes)
    lines.push(`  ${c.kind.padEnd(8)} ${c.path}${c.binary ? ' (binary)' : ` +${c.linesAdded} -${c.linesRemoved}`}`);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

export function renderFiles(result: Api['branch']['tree']): string {
  return result.files.map((f) => f.path).join('\n');
}

export function renderRevisionList(rows: Api['revision']['list']): string {
  if (rows.length === 0) return 'No dev revisions yet.';
  const body = rows.map((r) => [
    pad4(r.number),
    r.status,
    pad5(r.branchNumber),
    String(r.promptTokens + r.completionTokens),
    dollars(r.costMicroUsd),
    r.prompt.split('\n')[0]!.slice(0, 60),
  ]);
  return table([['REVISION', 'STATUS', 'BRANCH', 'TOKENS', 'COST', 'PROMPT'], ...body]);
}

const ROLE_NAME = { 'product-owner': 'product owner', developer: 'developer' } as const;

/** The conversation, then the steps: each response and step names the role that gave it (issue 22). */
export function renderRevisionShow(result: Api['revision']['show']): string {
  const lines = [
    `Dev revision ${pad4(result.number)}: ${result.status}, branch ${pad5(result.branch)}, cost ${dollars(result.costMicroUsd)}`,
  ];
  if (result.roles?.length)
    lines.push(`Roles: ${result.roles.map((r) => `${ROLE_NAME[r.role]} (${r.model})`).join(', ')}`);
  if (result.refined) lines.push(`Refined request: ${result.folder}/${result.refined}`);
  const conversation = [
    ...result.prompts.map((p) => ({ ...p, who: 'you' })),
    // A response with no role is older than roles, or the engine's own word.
    ...result.responses.map((r) => ({ ...r, who: r.role ? ROLE_NAME[r.role] : 'agent' })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  for (const entry of conversation) lines.push('', `${entry.who} (${entry.kind}, ${entry.at}):`, entry.text);
  if (result.steps.length > 0) {
    lines.push('', 'Steps:');
    for (const step of result.steps) {
      const what =
        step.kind === 'text'
          ? `said: ${step.text.split('\n')[0]!.slice(0, 80)}`
          : `${step.tool}${step.path ? ` ${step.path}` : ''}${step.ok ? '' : ' (failed)'}`;
      lines.push(`  ${ROLE_NAME[step.role].padEnd(13)}  ${what}`);
    }
  }
  return lines.join('\n');
}

export function renderBuild(result: Api['build']['run']): string {
  if (!result.ok) {
    const lines = [`Branch ${pad5(result.branch)} does not build:`];
    for (const d of result.diagnostics)
      lines.push(d.file ? `  ${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}` : `  ${d.code}: ${d.message}`);
    for (const p of result.problems) lines.push(`  ${p.file}:${p.line} ${p.function}: ${p.message}`);
    return lines.join('\n');
  }
  const width = Math.max(...result.routes.map((r) => r.method.length + r.path.length + 1), 0);
  const routes = result.routes.map((r) => `  ${`${r.method} ${r.path}`.padEnd(width)}  ${r.procedure}`);
  return [
    `Built branch ${pad5(result.branch)}${result.cached ? ' (cached: same tree as an earlier build)' : ''}: ${result.routes.length} routes`,
    ...routes,
    `Server: ${result.server}`,
    `OpenAPI: ${result.openapi}`,
  ].join('\n');
}

/** A build that failed has printed its diagnostics; the exit status still says it failed. */
/** A failure whose result was already printed: the CLI only says so and exits 1. */
export class AlreadyPrinted extends Error {}

export class BuildFailed extends AlreadyPrinted {
  constructor(count: number) {
    super(`the build failed with ${count} problem${count === 1 ? '' : 's'}`);
  }
}

export function renderRunning(result: Api['runtime']['run']): string {
  const where = result.isolated ? '' : ' (no isolation: on the host)';
  return [
    `Branch ${pad5(result.branch)} of ${result.codebase} is ${result.status}${where}, pid ${result.pid ?? '-'}`,
    `Socket: ${result.socket}`,
    ...result.routes.map((r) => `  ${r.method} ${r.path}`),
  ].join('\n');
}

export function renderGateways(result: Api['gateway']['list']): string {
  const lines: string[] = [];
  // Without the live engine, every gateway's reason is that it does not run: say how to start it.
  const start = result.live ? '' : ' (start it with `branchyard serve`)';
  for (const g of result.gateways) {
    const state = g.listening ? 'listening' : `not listening: ${g.error ?? 'unknown'}${start}`;
    const flags = [
      g.protected ? 'protected' : '',
      g.follow === 'newest' ? 'follows newest' : '',
      g.promotesTo ? `promotes to ${g.promotesTo}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `${g.name}  https://${g.hostName}:${g.port}${g.httpPort ? ` (http ${g.httpPort} redirects)` : ''}  ${state}${flags ? `  [${flags}]` : ''}`,
    );
    for (const r of g.routes)
      lines.push(
        `  ${r.codebase.padEnd(16)} ${r.branch === null ? '-----' : pad5(r.branch)}${r.source === 'active-branch' ? ' (active-branch)' : ''}  ${r.hosts.map((h) => `https://${h}:${g.port}`).join(' ')}`,
      );
    if (g.routes.length === 0) lines.push('  (no codebases)');
  }
  lines.push(`CA certificate: ${result.ca}`);
  return lines.join('\n');
}

export function renderPromotion(result: Api['gateway']['promote']): string {
  return `${result.gateway} now routes ${result.codebase} to ${pad5(result.to)}${result.from !== null ? ` (was ${pad5(result.from)}; roll back with \`branchyard promote ${result.codebase} ${result.from} --to ${result.gateway}\`)` : ''}.`;
}

export function renderPromotions(rows: Api['gateway']['history']): string {
  if (rows.length === 0) return 'No promotions.';
  return table([
    ['WHEN', 'GATEWAY', 'CODEBASE', 'FROM', 'TO', 'BY'],
    ...rows.map((r) => [r.at, r.gateway, r.codebase, pad5(r.from), pad5(r.to), r.by ?? r.actor]),
  ]);
}
