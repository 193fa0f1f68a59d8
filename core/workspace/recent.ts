// The workspaces this user opened lately, newest first, for the picker: a small file in the
// user's config folder (never in a workspace). Folders that no longer hold a workspace are
// dropped when the list is read.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MANIFEST_FILE } from './paths.ts';

const KEEP = 12;

function recentFile(env: NodeJS.ProcessEnv): string {
  const config = env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config');
  return path.join(config, 'branchyard', 'recent-workspaces.json');
}

export async function recentWorkspaces(env: NodeJS.ProcessEnv): Promise<string[]> {
  const list = await readFile(recentFile(env), 'utf8').then(
    (text) => JSON.parse(text) as unknown,
    () => [],
  );
  return (Array.isArray(list) ? list : []).filter(
    (dir): dir is string => typeof dir === 'string' && existsSync(path.join(dir, MANIFEST_FILE)),
  );
}

export async function rememberWorkspace(env: NodeJS.ProcessEnv, dir: string): Promise<void> {
  const file = recentFile(env);
  const list = [path.resolve(dir), ...(await recentWorkspaces(env)).filter((d) => d !== path.resolve(dir))].slice(
    0,
    KEEP,
  );
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(`${file}.${process.pid}`, `${JSON.stringify(list, null, 2)}\n`);
  await rename(`${file}.${process.pid}`, file);
}
