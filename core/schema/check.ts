// `branchyard schema check <codebase> <branch>`: the branch's schema copy against the shared
// schema of its database. When they differ: the migration between them is generated; every
// other active branch on that database (served by a gateway, or running) is type-checked against
// the proposal; the migration is tried on a copy of the database with its data, after looking
// for what it would lose. The report goes into the branch's metadata and its `schema` check.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import type { CodebaseHandle } from '../git/index.ts';
import { formatBranch, openCodebase, recordChecks } from '../git/index.ts';
import type { Workspace } from '../workspace/index.ts';
import { codebaseNames, readActiveBranch } from '../workspace/index.ts';
import { checkAgainstSchema } from './compat.ts';
import type { DatabaseHost } from './database-host.ts';
import { dryRunMigration } from './dry-run.ts';
import type { MigrationPlan } from './plan.ts';
import type { SchemaToolRunner } from './plan.ts';
import { planMigration } from './plan.ts';
import type { CheckedBranch, SchemaProblem, SchemaReport } from './report.ts';
import { REPORT_JSON, REPORT_MARKDOWN, reportMarkdown } from './report.ts';
import type { SchemaFiles } from './schema-files.ts';
import {
  BRANCH_SCHEMA_DIR,
  readBranchDatabase,
  readBranchSchema,
  readSharedSchema,
  sameSchema,
} from './schema-files.ts';

export interface SchemaCheckOptions {
  workspace: Workspace;
  codebase: string;
  branch: number;
  databases: DatabaseHost;
  /** The branches running now per codebase; only the live engine knows. */
  running?: (codebase: string) => Promise<number[]>;
  events?: EventBus;
  /** Where drizzle-kit reads the schemas (their code is the agent's): the engine's sandbox. */
  runTool?: SchemaToolRunner;
}

export interface SchemaCheck {
  report: SchemaReport;
  /** The plan when the schema changed and it could be made (apply uses it). */
  plan: MigrationPlan | null;
  proposed: SchemaFiles;
}

export async function checkSchema(options: SchemaCheckOptions): Promise<SchemaCheck> {
  const started = Date.now();
  const { workspace, events } = options;
  const codebase = await openCodebase(workspace.paths, options.codebase);
  const mine = await readBranchSchema(codebase, options.branch);
  const database = mine.database ?? '(none)';
  const task = `schema:${options.codebase}:${options.branch}`;
  const progress = (step: string, message: string, done: number, total: number) =>
    events?.emit('progress', { task, step, message, done, total });
  const base = {
    codebase: options.codebase,
    branch: options.branch,
    database,
    checkedAt: new Date().toISOString(),
    dryRun: null,
    statements: [],
    branches: [],
  };
  const finish = async (report: Omit<SchemaReport, 'durationMs'>, plan: MigrationPlan | null): Promise<SchemaCheck> => {
    const full: SchemaReport = { ...report, durationMs: Date.now() - started };
    await record(options, codebase, full);
    return { report: full, plan, proposed: mine.files };
  };

  if (!mine.database) return finish({ ...base, status: 'unchanged', problems: [] }, null);
  if (!workspace.databases.some((d) => d.name === mine.database)) {
    const problem: SchemaProblem = {
      kind: 'database',
      place: 'src/config/db-config.ts',
      message: `names database ${mine.database}, which this workspace does not have (it has ${workspace.databases.map((d) => d.name).join(', ') || 'none'})`,
    };
    return finish({ ...base, status: 'failed', problems: [problem] }, null);
  }
  const shared = await readSharedSchema(workspace.paths, mine.database);
  if (sameSchema(shared, mine.files)) return finish({ ...base, status: 'unchanged', problems: [] }, null);

  progress(
    'plan',
    `${options.codebase} ${formatBranch(options.branch)}: generating the migration of ${mine.database}`,
    0,
    3,
  );
  const sources = {
    shared,
    proposed: mine.files,
    sharedDir: `databases/${mine.database}/schema`,
    proposedDir: BRANCH_SCHEMA_DIR.slice(0, -1),
  };
  const planned = await planMigration({
    workDir: path.join(workspace.paths.engineDir, 'schema'),
    ...sources,
    runTool: options.runTool,
  });
  if (!planned.ok) return finish({ ...base, status: 'failed', problems: planned.problems }, null);
  const plan = planned.plan;

  const others = (await activeBranches(options)).filter(
    (b) => !(b.codebase === options.codebase && b.branch === options.branch),
  );
  const problems: SchemaProblem[] = [];
  const branches: CheckedBranch[] = [];
  const handles = new Map<string, CodebaseHandle>([[options.codebase, codebase]]);
  for (const [index, other] of others.entries()) {
    const handle = handles.get(other.codebase) ?? (await openCodebase(workspace.paths, other.codebase));
    handles.set(other.codebase, handle);
    if ((await readBranchDatabase(handle, other.branch)) !== mine.database) continue;
    progress(
      'branches',
      `type-checking ${other.codebase} ${formatBranch(other.branch)} against the proposed schema`,
      index,
      others.length,
    );
    const found = await checkAgainstSchema({ codebase: handle, branch: other.branch }, mine.files);
    problems.push(...found);
    branches.push({ ...other, problems: found.length });
  }

  progress('dry-run', `trying the migration on a copy of ${mine.database}`, 2, 3);
  let dryRun: SchemaReport['dryRun'] = null;
  if (plan.statements.length > 0) {
    try {
      const db = await options.databases.get(mine.database);
      const ran = await dryRunMigration(db, plan, sources);
      dryRun = ran.kind;
      problems.push(...ran.problems);
    } catch (error) {
      problems.push({ kind: 'database', place: mine.database, message: describeError(error) });
    }
  }
  progress(
    'done',
    `${options.codebase} ${formatBranch(options.branch)}: ${problems.length === 0 ? 'schema check passed' : `${problems.length} schema problems`}`,
    3,
    3,
  );
  return finish(
    {
      ...base,
      status: problems.length === 0 ? 'passed' : 'failed',
      dryRun,
      statements: plan.statements,
      branches,
      problems,
    },
    plan,
  );
}

/** Branches that something depends on now: served by a gateway, or running. */
async function activeBranches(options: SchemaCheckOptions): Promise<Array<Omit<CheckedBranch, 'problems'>>> {
  const found = new Map<string, Omit<CheckedBranch, 'problems'>>();
  const add = (codebase: string, branch: number, because: string) => {
    const key = `${codebase}:${branch}`;
    const entry = found.get(key) ?? { codebase, branch, activeBecause: [] };
    if (!entry.activeBecause.includes(because)) entry.activeBecause.push(because);
    found.set(key, entry);
  };
  for (const codebase of await codebaseNames(options.workspace.paths)) {
    const active = await readActiveBranch(options.workspace.paths, codebase);
    for (const gateway of options.workspace.gateways) {
      const routed = gateway.config.routes[codebase];
      const branch = routed !== undefined ? Number(routed) : active;
      if (branch !== null) add(codebase, branch, `served by ${gateway.name}`);
    }
    for (const branch of (await options.running?.(codebase)) ?? []) add(codebase, branch, 'running');
  }
  return [...found.values()];
}

async function record(options: SchemaCheckOptions, codebase: CodebaseHandle, report: SchemaReport): Promise<void> {
  const folder = codebase.paths.branch(formatBranch(options.branch));
  const files = [path.join(folder, REPORT_JSON), path.join(folder, REPORT_MARKDOWN)];
  await writeFile(files[0]!, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files[1]!, reportMarkdown(report));
  const detail =
    report.status === 'unchanged'
      ? `same schema as ${report.database}`
      : report.status === 'passed'
        ? `${report.statements.length} statements tried on ${report.database}; ${report.branches.length} other branches checked`
        : `${report.problems.length} problems; see ${REPORT_MARKDOWN}`;
  await recordChecks(codebase, options.branch, {
    checks: { schema: { status: report.status === 'failed' ? 'failed' : 'passed', at: report.checkedAt, detail } },
    files,
  });
  options.events?.emit('schema.checked', {
    codebase: options.codebase,
    branch: options.branch,
    database: report.database,
    status: report.status,
    problems: report.problems.length,
  });
}
