// What the workspace folder says about its codebases: their names, active branch and newest
// branch. Files are the source of truth; the engine state only indexes them.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { WorkspacePaths } from './paths.ts';
import type { CodebaseSettings } from './schemas.ts';
import { codebaseSettingsSchema, isValidName } from './schemas.ts';
import { readConfigFile } from './config-file.ts';
import { WorkspaceConfigError } from './problems.ts';

export interface CodebaseSummary {
  name: string;
  activeBranch: string | null;
  newestBranch: string | null;
  branchCount: number;
}

/** The folders under codebases/ whose names are valid codebase names, sorted. */
export async function codebaseNames(paths: WorkspacePaths): Promise<string[]> {
  const entries = await readdir(paths.codebasesDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && isValidName(e.name))
    .map((e) => e.name)
    .sort();
}

export async function listCodebaseFolders(paths: WorkspacePaths): Promise<CodebaseSummary[]> {
  const names = await codebaseNames(paths);
  return Promise.all(names.map((name) => summarize(paths.codebase(name), name)));
}

async function summarize(dir: string, name: string): Promise<CodebaseSummary> {
  const active = await readFile(path.join(dir, 'active-branch'), 'utf8').then(
    (text) => text.trim() || null,
    () => null,
  );
  const branchDirs = await readdir(path.join(dir, 'metadata', 'branches')).catch(() => [] as string[]);
  const numbers = branchDirs.filter((b) => /^\d{5}$/.test(b)).sort();
  return { name, activeBranch: active, newestBranch: numbers.at(-1) ?? null, branchCount: numbers.length };
}

export const CODEBASE_SETTINGS_FILE = 'codebase.json';

/** `codebases/<name>/codebase.json`, or no domains when the codebase has none. */
export async function readCodebaseSettings(paths: WorkspacePaths, name: string): Promise<CodebaseSettings> {
  const file = `codebases/${name}/${CODEBASE_SETTINGS_FILE}`;
  const exists = await stat(path.join(paths.root, file)).then(
    () => true,
    () => false,
  );
  if (!exists) return { domains: [] };
  const read = await readConfigFile(paths.root, file, codebaseSettingsSchema);
  if (!read.ok) throw new WorkspaceConfigError(read.problems);
  // A pin on a gateway that does not exist would keep nothing awake, unsaid.
  const pinned = read.value.sleep?.pinned ?? [];
  if (pinned.length > 0) {
    const gateways = (await readdir(paths.gatewaysDir).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
    const problems = pinned.flatMap((name, index) =>
      gateways.includes(name)
        ? []
        : [
            {
              file,
              field: `sleep.pinned.${index}`,
              reason: `no gateway named "${name}" (gateways: ${gateways.join(', ') || 'none'})`,
            },
          ],
    );
    if (problems.length > 0) throw new WorkspaceConfigError(problems);
  }
  return read.value;
}

/** The branch named by `active-branch`, or null when the file is missing or empty. */
export async function readActiveBranch(paths: WorkspacePaths, name: string): Promise<number | null> {
  const text = await readFile(path.join(paths.codebase(name), 'active-branch'), 'utf8').catch(() => '');
  const trimmed = text.trim();
  return /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : null;
}
