// New records (a branch, a revision, a whole codebase) are assembled in the workspace's staging
// folder and renamed into place when complete. Their names say whose they are, so recovery can
// remove what a crash left of one codebase's work without touching another's.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { WorkspacePaths } from '../workspace/index.ts';

export type StagingKind = 'branch' | 'revision' | 'codebase';

export async function stagingFolder(workspace: WorkspacePaths, codebase: string, kind: StagingKind): Promise<string> {
  await mkdir(workspace.stagingDir, { recursive: true, mode: 0o700 });
  return path.join(workspace.stagingDir, `${codebase}.${kind}-${randomBytes(4).toString('hex')}`);
}

/** Removes a codebase's unfinished records of one kind; call only while holding the lock that guards that kind. */
export async function removeStaging(workspace: WorkspacePaths, codebase: string, kind: StagingKind): Promise<string[]> {
  const names = await readdir(workspace.stagingDir).catch(() => [] as string[]);
  const mine = names.filter((n) => n.startsWith(`${codebase}.${kind}-`));
  await Promise.all(mine.map((n) => rm(path.join(workspace.stagingDir, n), { recursive: true, force: true })));
  return mine;
}
