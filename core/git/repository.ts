// A codebase's code history: a bare git repository read and written with isomorphic-git. There
// is no index and no checkout: blobs, trees and commits are written directly, so several
// branches can be produced at once and nothing ever walks a working folder.
import fs from 'node:fs';
import git from 'isomorphic-git';
import { BranchyardError } from '../errors/index.ts';
import { formatBranch } from '../workspace/index.ts';

export interface Repository {
  gitdir: string;
  /** isomorphic-git's object cache; one per repository handle, shared by its reads. */
  cache: object;
}

export function openRepository(gitdir: string): Repository {
  return { gitdir, cache: {} };
}

export async function initRepository(gitdir: string, firstBranch: string): Promise<Repository> {
  await git.init({ fs, gitdir, bare: true, defaultBranch: firstBranch });
  return openRepository(gitdir);
}

export function branchRef(number: number): string {
  return `refs/heads/${formatBranch(number)}`;
}

/** The commit a branch points at, or undefined when the ref does not exist. */
export async function resolveBranch(repo: Repository, number: number): Promise<string | undefined> {
  try {
    return await git.resolveRef({ fs, gitdir: repo.gitdir, ref: branchRef(number) });
  } catch (error) {
    if ((error as { code?: string }).code === 'NotFoundError') return undefined;
    throw error;
  }
}

/** Branch numbers with a ref, ascending. */
export async function listBranchRefs(repo: Repository): Promise<number[]> {
  const names = await git.listBranches({ fs, gitdir: repo.gitdir });
  return names
    .filter((n) => /^\d{5}$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

export async function commitTree(repo: Repository, commitOid: string): Promise<string> {
  const { commit } = await git.readCommit({ fs, gitdir: repo.gitdir, oid: commitOid, cache: repo.cache });
  return commit.tree;
}

export async function hasObject(repo: Repository, oid: string): Promise<boolean> {
  try {
    await git.readObject({ fs, gitdir: repo.gitdir, oid, format: 'deflated', cache: repo.cache });
    return true;
  } catch {
    return false;
  }
}

export interface CommitInput {
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string };
  date: Date;
}

export async function writeCommit(repo: Repository, input: CommitInput): Promise<string> {
  const signature = { ...input.author, timestamp: Math.floor(input.date.getTime() / 1000), timezoneOffset: 0 };
  return git.writeCommit({
    fs,
    gitdir: repo.gitdir,
    commit: {
      message: input.message,
      tree: input.tree,
      parent: input.parents,
      author: signature,
      committer: signature,
    },
  });
}

/** Creates a branch ref; refuses to move one that exists (branches are never rewritten). */
export async function createBranchRef(repo: Repository, number: number, commit: string): Promise<void> {
  try {
    await git.writeRef({ fs, gitdir: repo.gitdir, ref: branchRef(number), value: commit, force: false });
  } catch (error) {
    if ((error as { code?: string }).code === 'AlreadyExistsError') {
      throw new BranchyardError('GitError', `branch ${formatBranch(number)} already exists in ${repo.gitdir}`);
    }
    throw error;
  }
}

export async function deleteBranchRef(repo: Repository, number: number): Promise<void> {
  await git.deleteRef({ fs, gitdir: repo.gitdir, ref: branchRef(number) });
}
