// `branchyard schema apply <codebase> <branch>`: a branch's schema change made the shared one.
// Under the database's lock the check runs again (the shared schema may have moved since), and
// only a pass goes on: the migration is written to `databases/<db>/migrations/` in drizzle-kit's
// layout, applied in one transaction, the shared schema replaced by the branch's copy, all of it
// committed together; then every branch whose copy is now behind is marked so and told. A
// migration that fails on the real database is rolled back and its files removed.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BranchyardError, describeError } from '../errors/index.ts';
import { commitToWorkspace, formatBranch, listBranchRecords, markSchemaBehind, openCodebase } from '../git/index.ts';
import { withFileLock } from '../locks/index.ts';
import { codebaseNames } from '../workspace/index.ts';
import type { SchemaCheckOptions } from './check.ts';
import { checkSchema } from './check.ts';
import type { SchemaReport } from './report.ts';
import { REPORT_MARKDOWN } from './report.ts';
import { migrationsDir, readBranchDatabase, readBranchSchema, sameSchema, sharedSchemaDir } from './schema-files.ts';

export interface AppliedSchema {
  report: SchemaReport;
  /** The migration's tag (`0003_users_00012`), or null when there was nothing to apply. */
  migration: string | null;
  /** Branches now marked as behind, per codebase. */
  behind: Record<string, number[]>;
}

interface Journal {
  version: string;
  dialect: string;
  entries: Array<{ idx: number; version: string; when: number; tag: string; breakpoints: boolean }>;
}

export async function applySchema(options: SchemaCheckOptions): Promise<AppliedSchema> {
  const { workspace } = options;
  const codebase = await openCodebase(workspace.paths, options.codebase);
  const database = await readBranchDatabase(codebase, options.branch);
  const label = `${options.codebase} ${formatBranch(options.branch)}`;
  if (!database)
    throw new BranchyardError(
      'InvalidInputError',
      `${label} names no database (it has no src/config/db-config.ts), so it has no schema to apply`,
    );
  await mkdir(path.join(workspace.paths.engineDir, 'databases', database), { recursive: true, mode: 0o700 });
  const lock = path.join(workspace.paths.engineDir, 'databases', database, 'apply.lock');
  return withFileLock(lock, { what: `schema changes of ${database}`, waitMs: 120_000 }, async () => {
    const { report, plan, proposed } = await checkSchema(options);
    if (report.status === 'unchanged') return { report, migration: null, behind: {} };
    if (report.status === 'failed' || !plan) {
      const listed = report.problems
        .slice(0, 5)
        .map((p) => `\n  - ${p.kind} ${p.place}: ${p.message}`)
        .join('');
      throw new BranchyardError(
        'SchemaCheckFailedError',
        `the schema check of ${label} failed, so its change was not applied (${report.problems.length} problems; all in metadata/branches/${formatBranch(options.branch)}/${REPORT_MARKDOWN}):${listed}`,
      );
    }

    const folder = migrationsDir(workspace.paths, database);
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const previous = await readFile(journalFile, 'utf8').catch(() => undefined);
    const journal: Journal = previous
      ? (JSON.parse(previous) as Journal)
      : { version: '7', dialect: 'postgresql', entries: [] };
    const idx = journal.entries.length;
    const tag = `${String(idx).padStart(4, '0')}_${options.codebase}_${formatBranch(options.branch)}`;
    const sqlFile = path.join(folder, `${tag}.sql`);
    const snapshotFile = path.join(folder, 'meta', `${String(idx).padStart(4, '0')}_snapshot.json`);
    await mkdir(path.dirname(journalFile), { recursive: true });
    await writeFile(sqlFile, `${plan.statements.join('\n--> statement-breakpoint\n')}\n`);
    await writeFile(snapshotFile, `${JSON.stringify(plan.cur, null, 2)}\n`);
    journal.entries.push({ idx, version: '7', when: Date.now(), tag, breakpoints: true });
    await writeFile(`${journalFile}.tmp`, `${JSON.stringify(journal, null, 2)}\n`);
    await rename(`${journalFile}.tmp`, journalFile);

    try {
      await (await options.databases.get(database)).migrate(folder);
    } catch (error) {
      if (previous === undefined) await rm(journalFile, { force: true });
      else await writeFile(journalFile, previous);
      await rm(sqlFile, { force: true });
      await rm(snapshotFile, { force: true });
      const cause = error instanceof Error && error.cause ? describeError(error.cause) : describeError(error);
      throw new BranchyardError(
        'DatabaseError',
        `the migration of ${label} failed on ${database} and was rolled back; nothing was applied: ${cause}`,
        { cause: error },
      );
    }

    const schemaDir = sharedSchemaDir(workspace.paths, database);
    await rm(schemaDir, { recursive: true, force: true });
    await mkdir(schemaDir, { recursive: true });
    await writeFile(path.join(schemaDir, '.gitkeep'), '');
    for (const [file, text] of proposed) {
      await mkdir(path.dirname(path.join(schemaDir, file)), { recursive: true });
      await writeFile(path.join(schemaDir, file), text);
    }
    await commitToWorkspace(workspace.paths, [folder, schemaDir], `${database}: migration ${tag} from ${label}`);
    options.events?.emit('schema.applied', {
      codebase: options.codebase,
      branch: options.branch,
      database,
      migration: tag,
    });

    const behind = await markBehind(options, database, proposed, tag);
    return { report, migration: tag, behind };
  });
}

/** Marks every branch on the database whose copy differs from the new shared schema; clears the rest. */
async function markBehind(
  options: SchemaCheckOptions,
  database: string,
  shared: ReadonlyMap<string, string>,
  migration: string,
): Promise<Record<string, number[]>> {
  const at = new Date().toISOString();
  const behind: Record<string, number[]> = {};
  for (const name of await codebaseNames(options.workspace.paths)) {
    const codebase = await openCodebase(options.workspace.paths, name);
    const marks: Array<{ number: number; behind: { database: string; migration: string; at: string } | null }> = [];
    for (const info of (await listBranchRecords(codebase)).branches) {
      const schema = await readBranchSchema(codebase, info.number);
      if (schema.database !== database) continue;
      marks.push({
        number: info.number,
        behind: sameSchema(schema.files, shared) ? null : { database, migration, at },
      });
    }
    await markSchemaBehind(codebase, marks, `schema copies behind ${database} after ${migration}`);
    const numbers = marks.filter((m) => m.behind).map((m) => m.number);
    if (numbers.length === 0) continue;
    behind[name] = numbers;
    options.events?.emit('schema.behind', { database, codebase: name, branches: numbers, migration });
  }
  return behind;
}
