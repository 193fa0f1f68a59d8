// The difference of two trees as a git patch and a per-file summary.
import type { ChangeEntry } from './branch-info.ts';
import type { FileDiff } from './patch.ts';
import { fileDiff } from './patch.ts';
import type { Repository } from './repository.ts';
import { diffTrees, readBlob } from './tree-read.ts';

export interface TreeDiff {
  files: FileDiff[];
  patch: string;
  changes: ChangeEntry[];
}

export async function diffBetween(repo: Repository, before: string | null, after: string): Promise<TreeDiff> {
  const changed = await diffTrees(repo, before, after);
  const files = await Promise.all(
    changed.map(async (change) => {
      const [a, b] = await Promise.all([
        change.oldOid ? readBlob(repo, change.oldOid) : null,
        change.newOid ? readBlob(repo, change.newOid) : null,
      ]);
      return fileDiff(change, a, b);
    }),
  );
  return {
    files,
    patch: files.map((f) => f.patch).join(''),
    changes: files.map((f) => ({
      path: f.path,
      kind: f.kind,
      linesAdded: f.linesAdded,
      linesRemoved: f.linesRemoved,
      binary: f.binary,
    })),
  };
}
