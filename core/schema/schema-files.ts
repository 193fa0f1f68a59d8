// Where schemas live. The shared schema of a database is `databases/<db>/schema/*.ts` in the
// workspace; a branch's working copy is `src/schema/models/*.ts` in its tree, and
// `src/config/db-config.ts` names its database. The two are compared file by file.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CodebaseHandle } from '../git/index.ts';
import { commitTree, listTree, readBlob, readBranchInfo, readFileAt } from '../git/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';

/** Schema files by their path inside the schema folder (`users.ts`, `billing/invoices.ts`). */
export type SchemaFiles = ReadonlyMap<string, string>;

export const BRANCH_SCHEMA_DIR = 'src/schema/models/';
export const DB_CONFIG_FILE = 'src/config/db-config.ts';
/** What a branch made from the boilerplate uses when its db-config names nothing else. */
export const DEFAULT_DATABASE = 'db-001';

export interface BranchSchema {
  codebase: string;
  branch: number;
  tree: string;
  /** The database its db-config names, or null when it has no db-config (it uses none). */
  database: string | null;
  files: SchemaFiles;
}

export function sharedSchemaDir(paths: WorkspacePaths, database: string): string {
  return path.join(paths.databasesDir, database, 'schema');
}

export function migrationsDir(paths: WorkspacePaths, database: string): string {
  return path.join(paths.databasesDir, database, 'migrations');
}

export async function readSharedSchema(paths: WorkspacePaths, database: string): Promise<SchemaFiles> {
  const root = sharedSchemaDir(paths, database);
  const files = new Map<string, string>();
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else if (isSchemaFile(rel)) files.set(rel, await readFile(path.join(root, rel), 'utf8'));
    }
  };
  await walk('');
  return sorted(files);
}

export async function readBranchSchema(codebase: CodebaseHandle, branch: number): Promise<BranchSchema> {
  const info = await readBranchInfo(codebase, branch);
  const tree = await commitTree(codebase.repo, info.commit);
  const files = new Map<string, string>();
  let database: string | null = null;
  for (const entry of await listTree(codebase.repo, tree)) {
    if (entry.path === DB_CONFIG_FILE)
      database = databaseNamed(Buffer.from(await readBlob(codebase.repo, entry.oid)).toString('utf8'));
    else if (entry.path.startsWith(BRANCH_SCHEMA_DIR) && isSchemaFile(entry.path)) {
      files.set(
        entry.path.slice(BRANCH_SCHEMA_DIR.length),
        Buffer.from(await readBlob(codebase.repo, entry.oid)).toString('utf8'),
      );
    }
  }
  return { codebase: codebase.paths.name, branch, tree, database, files: sorted(files) };
}

/** Only the database a branch uses (null for none): one file read, for every branch start. */
export async function readBranchDatabase(codebase: CodebaseHandle, branch: number): Promise<string | null> {
  const tree = await commitTree(codebase.repo, (await readBranchInfo(codebase, branch)).commit);
  const file = await readFileAt(codebase.repo, tree, DB_CONFIG_FILE);
  return file ? databaseNamed(Buffer.from(file.content).toString('utf8')) : null;
}

/** The database a db-config.ts names (`database: 'db-002'`). */
export function databaseNamed(source: string): string {
  return /\bdatabase\s*:\s*['"`](db-\d{3})['"`]/.exec(source)?.[1] ?? DEFAULT_DATABASE;
}

export function sameSchema(a: SchemaFiles, b: SchemaFiles): boolean {
  if (a.size !== b.size) return false;
  for (const [file, text] of a) if (b.get(file) !== text) return false;
  return true;
}

function isSchemaFile(file: string): boolean {
  return file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts');
}

function sorted(files: Map<string, string>): SchemaFiles {
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}
