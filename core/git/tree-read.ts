// Reading a branch's tree: the whole listing, one file, and the difference of two trees. The
// difference descends only into subtrees whose ids differ, so its cost follows the size of the
// change, not the size of the codebase.
import fs from 'node:fs';
import git from 'isomorphic-git';
import type { TreeEntry } from 'isomorphic-git';
import { BranchyardError } from '../errors/index.ts';
import type { Repository } from './repository.ts';

export interface TreeFile {
  path: string;
  oid: string;
  mode: string;
}

export type ChangeKind = 'added' | 'modified' | 'deleted';

export interface TreeChange {
  path: string;
  kind: ChangeKind;
  oldOid: string | null;
  newOid: string | null;
  oldMode: string | null;
  newMode: string | null;
}

/** Every file of a tree, in git's order. */
export async function listTree(repo: Repository, tree: string, prefix = ''): Promise<TreeFile[]> {
  const entries = sortGitOrder(await readTree(repo, tree));
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.type === 'tree'
        ? listTree(repo, entry.oid, `${prefix}${entry.path}/`)
        : Promise.resolve([{ path: `${prefix}${entry.path}`, oid: entry.oid, mode: entry.mode }]),
    ),
  );
  return nested.flat();
}

/** The content of one file of a tree, or undefined when the tree has no such file. */
export async function readFileAt(
  repo: Repository,
  tree: string,
  filePath: string,
): Promise<{ content: Uint8Array; oid: string; mode: string } | undefined> {
  let oid = tree;
  const parts = filePath.split('/').filter(Boolean);
  let entry: TreeEntry | undefined;
  for (const part of parts) {
    if (entry && entry.type !== 'tree') return undefined;
    entry = (await readTree(repo, oid)).find((e) => e.path === part);
    if (!entry) return undefined;
    oid = entry.oid;
  }
  if (!entry || entry.type !== 'blob') return undefined;
  return { content: await readBlob(repo, entry.oid), oid: entry.oid, mode: entry.mode };
}

export async function readBlob(repo: Repository, oid: string): Promise<Uint8Array> {
  const { blob } = await git.readBlob({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  return blob;
}

/** What changed from `before` (null: nothing) to `after`, file by file, in git's order. */
export async function diffTrees(
  repo: Repository,
  before: string | null,
  after: string | null,
  prefix = '',
): Promise<TreeChange[]> {
  if (before === after) return [];
  const [oldEntries, newEntries] = await Promise.all([
    before ? readTree(repo, before) : [],
    after ? readTree(repo, after) : [],
  ]);
  const oldByName = new Map(oldEntries.map((e) => [e.path, e]));
  const newByName = new Map(newEntries.map((e) => [e.path, e]));
  const names = sortGitOrder([...new Map([...oldEntries, ...newEntries].map((e) => [e.path, e])).values()]).map(
    (e) => e.path,
  );

  const parts = await Promise.all(
    names.map(async (name): Promise<TreeChange[]> => {
      const a = oldByName.get(name);
      const b = newByName.get(name);
      const full = `${prefix}${name}`;
      if (a && b && a.oid === b.oid && a.mode === b.mode) return [];
      const aTree = a?.type === 'tree' ? a.oid : null;
      const bTree = b?.type === 'tree' ? b.oid : null;
      if (aTree || bTree) {
        // A folder on at least one side: recurse, and pair any file on the other side by hand.
        const inner = await diffTrees(repo, aTree, bTree, `${full}/`);
        const fileSide: TreeChange[] = [];
        if (a && !aTree) fileSide.push(change(full, 'deleted', a, undefined));
        if (b && !bTree) fileSide.push(change(full, 'added', undefined, b));
        return [...fileSide, ...inner];
      }
      if (a && b) return [change(full, 'modified', a, b)];
      return [change(full, a ? 'deleted' : 'added', a, b)];
    }),
  );
  return parts.flat();
}

function change(filePath: string, kind: ChangeKind, a: TreeEntry | undefined, b: TreeEntry | undefined): TreeChange {
  return {
    path: filePath,
    kind,
    oldOid: a?.oid ?? null,
    newOid: b?.oid ?? null,
    oldMode: a?.mode ?? null,
    newMode: b?.mode ?? null,
  };
}

async function readTree(repo: Repository, oid: string): Promise<TreeEntry[]> {
  try {
    return (await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache })).tree;
  } catch (error) {
    throw new BranchyardError('GitError', `cannot read tree ${oid} in ${repo.gitdir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Git orders tree entries as if folder names ended with "/". */
function sortGitOrder(entries: TreeEntry[]): TreeEntry[] {
  const key = (e: TreeEntry) => (e.type === 'tree' ? `${e.path}/` : e.path);
  return [...entries].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
