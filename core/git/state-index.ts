// Keeps the engine state's index of branches and revisions in step with the files. Writers
// index what they write; an engine that starts (or finds rows missing after a crash) replays
// the files, which gives the same rows.
import type { StateExecutor } from '../store/index.ts';
import { upsertBranch } from '../store/index.ts';
import type { BranchInfo, ChangeEntry } from './branch-info.ts';
import { listBranchRecords, readChanges } from './branch-records.ts';
import type { CodebaseHandle } from './codebase-handle.ts';
import { indexRevision, readRevision, revisionNumbers } from './revisions.ts';

export async function indexBranch(state: StateExecutor, codebase: CodebaseHandle, info: BranchInfo, changes: ChangeEntry[]): Promise<void> {
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

/** Replays every revision and branch record of a codebase into the engine state. */
export async function reindexCodebase(state: StateExecutor, codebase: CodebaseHandle): Promise<{ revisions: number; branches: number; problems: string[] }> {
  const problems: string[] = [];
  let revisions = 0;
  for (const number of await revisionNumbers(codebase)) {
    try {
      await indexRevision(state, codebase, await readRevision(codebase, number));
      revisions++;
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const listing = await listBranchRecords(codebase);
  for (const info of listing.branches) await indexBranch(state, codebase, info, await readChanges(codebase, info.number));
  problems.push(...listing.problems.map((p) => `${p.file}: ${p.reason}`));
  return { revisions, branches: listing.branches.length, problems };
}
