// What the workspace folder says about its codebases: their names, active branch and newest
// branch. Files are the source of truth; the engine state only indexes them.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkspacePaths } from './paths.ts';

export interface CodebaseSummary {
  name: string;
  activeBranch: string | null;
  newestBranch: string | null;
  branchCount: number;
}

export async function listCodebaseFolders(paths: WorkspacePaths): Promise<CodebaseSummary[]> {
  const entries = await readdir(paths.codebasesDir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  return Promise.all(names.map((name) => summarize(paths.codebase(name), name)));
}

async function summarize(dir: string, name: string): Promise<CodebaseSummary> {
  const active = await readFile(path.join(dir, 'active-branch'), 'utf8').then((text) => text.trim() || null, () => null);
  const branchDirs = await readdir(path.join(dir, 'metadata', 'branches')).catch(() => [] as string[]);
  const numbers = branchDirs.filter((b) => /^\d{5}$/.test(b)).sort();
  return { name, activeBranch: active, newestBranch: numbers.at(-1) ?? null, branchCount: numbers.length };
}
