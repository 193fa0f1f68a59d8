// After a crash, a codebase holds at most the traces of one unfinished branch: its staging
// folder under .branchyard/staging, and maybe a ref whose record never got into place. Recovery removes them (under the
// number lock, so it never races a live writer) and commits records the workspace repository
// has not seen yet.
import path from 'node:path';
import { withFileLock } from '../locks/index.ts';
import { branchFolderNumbers, readBranchInfo } from './branch-records.ts';
import type { CodebaseHandle } from './codebase-handle.ts';
import { formatBranch } from '../workspace/index.ts';
import { createBranchRef, deleteBranchRef, hasObject, listBranchRefs } from './repository.ts';
import { removeStaging } from './staging.ts';
import { commitToWorkspace } from './workspace-commit.ts';

export interface RecoveryReport {
  removedStaging: string[];
  removedRefs: string[];
  restoredRefs: string[];
  workspaceCommit: string | undefined;
}

export function numbersLock(codebase: CodebaseHandle): string {
  return path.join(codebase.paths.gitdir, 'branchyard-numbers.lock');
}

export async function nextBranchNumber(codebase: CodebaseHandle): Promise<number> {
  const [refs, folders] = await Promise.all([listBranchRefs(codebase.repo), branchFolderNumbers(codebase)]);
  return Math.max(0, ...refs, ...folders) + 1;
}

export async function recoverCodebase(codebase: CodebaseHandle): Promise<RecoveryReport> {
  const report = await withFileLock(
    numbersLock(codebase),
    { what: `branch numbering of ${codebase.paths.name}`, waitMs: 60_000 },
    () => recoverLocked(codebase),
  );
  const workspaceCommit = await commitToWorkspace(
    codebase.workspace,
    [codebase.paths.metadata],
    `${codebase.paths.name}: record what an interrupted run left uncommitted`,
    { onlyNew: true },
  );
  return { ...report, workspaceCommit };
}

/** Call only while holding the number lock. */
export async function recoverLocked(codebase: CodebaseHandle): Promise<Omit<RecoveryReport, 'workspaceCommit'>> {
  const report = { removedStaging: [] as string[], removedRefs: [] as string[], restoredRefs: [] as string[] };
  report.removedStaging.push(...(await removeStaging(codebase.workspace, codebase.paths.name, 'branch')));
  const [refs, folders] = await Promise.all([listBranchRefs(codebase.repo), branchFolderNumbers(codebase)]);
  const folderSet = new Set(folders);
  const refSet = new Set(refs);
  // A ref with no folder at all is a branch that never got into place. (A folder whose record
  // is unreadable keeps its ref: that record is reported, not removed.)
  for (const number of refs) {
    if (!folderSet.has(number)) {
      await deleteBranchRef(codebase.repo, number);
      report.removedRefs.push(formatBranch(number));
    }
  }
  // A complete record whose ref was lost (deleted by hand): the commit is still there, so the
  // ref is put back rather than the branch dropped.
  for (const number of folders.filter((n) => !refSet.has(n))) {
    const info = await readBranchInfo(codebase, number).catch(() => undefined);
    if (info && (await hasObject(codebase.repo, info.commit))) {
      await createBranchRef(codebase.repo, info.number, info.commit);
      report.restoredRefs.push(formatBranch(info.number));
    }
  }
  return report;
}
