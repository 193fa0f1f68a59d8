// The migration tried on a copy of the database with its data, after looking for what it would
// lose there: a dropped table or column that holds rows, NOT NULL on a table with rows and no
// default (or on a column that holds nulls), and a type change that the stored values do not
// survive (each value is cast to the new type and back, and must come back the same).
import { describeError } from '../errors/index.ts';
import type { DryRunKind, OpenDatabase, SqlSession } from './database-host.ts';
import { quoteIdent } from './database-host.ts';
import type { ColumnSnapshot, MigrationPlan, TableSnapshot } from './plan.ts';
import type { SchemaProblem } from './report.ts';
import type { SchemaFiles } from './schema-files.ts';

export interface SchemaSources {
  shared: SchemaFiles;
  proposed: SchemaFiles;
  sharedDir: string;
  proposedDir: string;
}

/** Type names as drizzle-kit writes them (`varchar(3)`, `numeric(10, 2)`, `integer[]`); nothing that could end a statement. */
const TYPE_NAME = /^[A-Za-z0-9_ (),[\]."]+$/;

export async function dryRunMigration(
  db: OpenDatabase,
  plan: MigrationPlan,
  sources: SchemaSources,
): Promise<{ kind: DryRunKind; problems: SchemaProblem[] }> {
  return db.dryRun(async (session, kind) => {
    const problems = await lossProbes(session, plan, sources, db.name);
    for (const [index, statement] of plan.statements.entries()) {
      try {
        await session.query(statement);
      } catch (error) {
        problems.push({
          kind: 'migration',
          place: `${db.name}: statement ${index + 1} of ${plan.statements.length}`,
          message: `fails on the data: ${describeError(error)} (in: ${statement})`,
        });
        break; // the rest would run on a half-migrated copy
      }
    }
    return { kind, problems };
  });
}

async function lossProbes(
  session: SqlSession,
  plan: MigrationPlan,
  sources: SchemaSources,
  database: string,
): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  const count = async (sql: string) => Number((await session.query<{ n: string | number }>(sql))[0]?.n ?? 0);
  const exists = async (table: TableSnapshot) =>
    (
      await session.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
        `${quoteIdent(table.schema || 'public')}.${quoteIdent(table.name)}`,
      ])
    )[0]?.t != null;
  const name = (table: TableSnapshot) => `${quoteIdent(table.schema || 'public')}.${quoteIdent(table.name)}`;
  const where = (table: TableSnapshot, column: string | null, files: 'shared' | 'proposed') => {
    const at = definedAt(
      files === 'shared' ? sources.shared : sources.proposed,
      files === 'shared' ? sources.sharedDir : sources.proposedDir,
      table.name,
    );
    return `${database}: ${table.name}${column ? `.${column}` : ''}${at ? ` (${at})` : ''}`;
  };

  for (const [key, before] of Object.entries(plan.prev.tables)) {
    const after = plan.cur.tables[key];
    if (!(await exists(before))) continue; // never created here: nothing to lose
    const rows = await count(`SELECT count(*) AS n FROM ${name(before)}`);
    if (!after) {
      if (rows > 0)
        problems.push({
          kind: 'data-loss',
          place: where(before, null, 'shared'),
          message: `drops table ${before.name}, which holds ${plural(rows, 'row')}`,
        });
      continue;
    }
    for (const [columnName, column] of Object.entries(before.columns)) {
      const next = after.columns[columnName];
      const col = quoteIdent(columnName);
      if (!next) {
        const held = rows === 0 ? 0 : await count(`SELECT count(*) AS n FROM ${name(before)} WHERE ${col} IS NOT NULL`);
        if (held > 0)
          problems.push({
            kind: 'data-loss',
            place: where(before, columnName, 'shared'),
            message: `drops column ${before.name}.${columnName}, which holds values in ${plural(held, 'row')}`,
          });
        continue;
      }
      if (rows > 0 && !column.notNull && next.notNull && !hasDefault(next)) {
        const nulls = await count(`SELECT count(*) AS n FROM ${name(before)} WHERE ${col} IS NULL`);
        if (nulls > 0)
          problems.push({
            kind: 'data-loss',
            place: where(after, columnName, 'proposed'),
            message: `makes ${after.name}.${columnName} NOT NULL, but ${plural(nulls, 'row')} hold null there and no default is given`,
          });
      }
      if (rows > 0 && typeOf(column) !== typeOf(next)) {
        const problem = await narrowing(session, name(before), col, column, next);
        if (problem)
          problems.push({
            kind: 'data-loss',
            place: where(after, columnName, 'proposed'),
            message: `changes ${after.name}.${columnName} from ${typeOf(column)} to ${typeOf(next)}: ${problem}`,
          });
      }
    }
    for (const [columnName, column] of Object.entries(after.columns)) {
      if (before.columns[columnName] || rows === 0 || !column.notNull || hasDefault(column)) continue;
      problems.push({
        kind: 'data-loss',
        place: where(after, columnName, 'proposed'),
        message: `adds ${after.name}.${columnName} as NOT NULL with no default, but the table holds ${plural(rows, 'row')} that would have no value; give it a default or make it nullable`,
      });
    }
  }
  return problems;
}

/** Null when every stored value survives the new type unchanged; otherwise what goes wrong. */
async function narrowing(
  session: SqlSession,
  table: string,
  col: string,
  from: ColumnSnapshot,
  to: ColumnSnapshot,
): Promise<string | null> {
  const [oldType, newType] = [typeOf(from), typeOf(to)];
  if (!TYPE_NAME.test(oldType) || !TYPE_NAME.test(newType))
    return `the type name ${JSON.stringify(newType)} is not one this check can cast to`;
  try {
    const rows = await session.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM ${table} WHERE ${col} IS NOT NULL AND (${col}::${newType})::${oldType} IS DISTINCT FROM ${col}`,
    );
    const changed = Number(rows[0]?.n ?? 0);
    return changed > 0 ? `${plural(changed, 'stored value')} would not survive it (cut, rounded or changed)` : null;
  } catch (error) {
    return `the stored values do not fit the new type (${describeError(error)})`;
  }
}

function typeOf(column: ColumnSnapshot): string {
  return column.typeSchema ? `${quoteIdent(column.typeSchema)}.${quoteIdent(column.type)}` : column.type;
}

function hasDefault(column: ColumnSnapshot): boolean {
  return (
    column.default !== undefined ||
    column.identity !== undefined ||
    column.generated !== undefined ||
    /serial$/.test(column.type)
  );
}

/** Where a table is defined among the schema files (`pgTable('users'`), as `dir/file:line`. */
export function definedAt(files: SchemaFiles, dir: string, table: string): string | undefined {
  const pattern = new RegExp(`pgTable\\(\\s*['"\`]${table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"\`]`);
  for (const [file, text] of files) {
    const match = pattern.exec(text);
    if (match) return `${dir}/${file}:${text.slice(0, match.index).split('\n').length}`;
  }
  return undefined;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
