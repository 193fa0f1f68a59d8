// Keeps the engine state's index of branches in step with their records. Writers index what
// they write; an engine that starts (or finds rows missing after a crash) replays the records,
// which gives the same rows. Revisions are indexed the same way by core/revisions.
import type { StateExecutor } from '../store/index.ts';
import { upsertBranch } from '../store/index.ts';
import type { BranchInfo, ChangeEntry } from './branch-info.ts';
import { listBranchRecords, readChanges } from './branch-records.ts';
import type { CodebaseHandle } from './codebase-handle.ts';

export async function indexBranch(
  state: StateExecutor,
  codebase: CodebaseHandle,
  info: BranchInfo,
  changes: ChangeEntry[],
): Promise<void> {
  await upsertBranch(state, {
    codebase: codebase.paths.name,
    number: info.number,
    parent: info.parent,
    commit: info.commit,
    author: info.author,
    devRevision: info.devRevision,
    status: info.status,
    createdAt: new Date(info.createdAt),
    message: info.message,
    changes: changes.map(({ path, kind, linesAdded, linesRemoved }) => ({ path, kind, linesAdded, linesRemoved })),
  });
}

/** Replays every branch record of a codebase into the engine state. */
export async function reindexBranches(
  state: StateExecutor,
  codebase: CodebaseHandle,
): Promise<{ branches: number; problems: string[] }> {
  const listing = await listBranchRecords(codebase);
  for (const info of listing.branches)
    await indexBranch(state, codebase, info, await readChanges(codebase, info.number));
  return { branches: listing.branches.length, problems: listing.problems.map((p) => `${p.file}: ${p.reason}`) };
}
