// Replaying a codebase's records into the engine state: its dev revisions, then its branches
// (core/git). What an engine does at start, and after adding a codebase.
import type { CodebaseHandle } from '../git/index.ts';
import { reindexBranches } from '../git/index.ts';
import type { StateExecutor } from '../store/index.ts';
import { indexRevision, readRevision, revisionNumbers } from './revisions.ts';

export async function reindexCodebase(
  state: StateExecutor,
  codebase: CodebaseHandle,
): Promise<{ revisions: number; branches: number; problems: string[] }> {
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
  const branches = await reindexBranches(state, codebase);
  return { revisions, branches: branches.branches, problems: [...problems, ...branches.problems] };
}
