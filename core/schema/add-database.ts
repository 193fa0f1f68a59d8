// `branchyard db add [--postgres <ENV>]`: the next `databases/db-<NNN>/` with its config and
// empty schema, migrations and seeds, committed. A PostgreSQL database is named by the variable
// that holds its URL, so no password is ever written into the workspace.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';
import { commitToWorkspace } from '../git/index.ts';
import { withFileLock } from '../locks/index.ts';
import type { DatabaseConfig, WorkspacePaths } from '../workspace/index.ts';
import { databaseSchema, loadWorkspace } from '../workspace/index.ts';

export async function addDatabase(
  paths: WorkspacePaths,
  options: { postgresUrlEnv?: string },
): Promise<{ name: string; config: DatabaseConfig }> {
  const config: DatabaseConfig =
    options.postgresUrlEnv === undefined
      ? { engine: 'embedded' }
      : { engine: 'postgres', urlEnv: options.postgresUrlEnv };
  const parsed = databaseSchema.safeParse(config);
  if (!parsed.success)
    throw new BranchyardError(
      'InvalidInputError',
      `postgresUrlEnv ${options.postgresUrlEnv}: expected the name of an environment variable holding the URL (such as SHOP_DATABASE_URL), never the URL itself`,
      { field: 'postgresUrlEnv' },
    );
  await mkdir(paths.engineDir, { recursive: true, mode: 0o700 });
  return withFileLock(
    path.join(paths.engineDir, 'databases.lock'),
    { what: 'the list of databases', waitMs: 30_000 },
    async () => {
      const existing = (await loadWorkspace(paths.root)).databases.map((d) => Number(d.name.slice(3)));
      const next = Math.max(0, ...existing) + 1;
      if (next > 999)
        throw new BranchyardError('InvalidInputError', 'this workspace already has db-999, the last database number');
      const name = `db-${String(next).padStart(3, '0')}`;
      const dir = path.join(paths.databasesDir, name);
      for (const sub of ['schema', 'migrations', 'seeds']) {
        await mkdir(path.join(dir, sub), { recursive: true });
        await writeFile(path.join(dir, sub, '.gitkeep'), '');
      }
      await writeFile(path.join(dir, 'config.json'), `${JSON.stringify(parsed.data, null, 2)}\n`);
      await commitToWorkspace(paths, [dir], `${name}: added (${parsed.data.engine})`);
      return { name, config: parsed.data };
    },
  );
}
