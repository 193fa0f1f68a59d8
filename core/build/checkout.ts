// A branch's files on disk for the compiler and the bundler: written once per tree (the tree id
// is the content hash), assembled aside and renamed into place, with a node_modules that holds
// only the stack. Never a git checkout: the files come straight from the objects.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CodebaseHandle } from '../git/index.ts';
import { commitTree, listTree, readBlob, readBranchInfo } from '../git/index.ts';
import { placeBuildOutput } from './place.ts';
import { linkStack } from './stack.ts';

export interface Checkout {
  dir: string;
  tree: string;
  branch: number;
  files: string[];
}

/** Files written at once: a tree of thousands must not open thousands of files together. */
const BATCH = 32;

export async function checkoutBranch(codebase: CodebaseHandle, branch: number): Promise<Checkout> {
  const info = await readBranchInfo(codebase, branch);
  const tree = await commitTree(codebase.repo, info.commit);
  const root = path.join(codebase.workspace.engineDir, 'builds', codebase.paths.name, 'trees');
  const dir = path.join(root, tree);
  const entries = await listTree(codebase.repo, tree);
  const files = entries.map((f) => f.path);
  if (await exists(dir)) return { dir, tree, branch, files };

  const staging = path.join(root, `.${tree}-${randomBytes(4).toString('hex')}`);
  try {
    // Folders first, then the files a batch at a time: one after another, waiting on each, was
    // most of a checkout's ~60 ms for the boilerplate's 20 files.
    const folders = [...new Set(entries.map((entry) => path.dirname(path.join(staging, entry.path))))];
    await Promise.all(folders.map((folder) => mkdir(folder, { recursive: true })));
    for (let at = 0; at < entries.length; at += BATCH)
      await Promise.all(
        entries.slice(at, at + BATCH).map(async (entry) =>
          writeFile(path.join(staging, entry.path), await readBlob(codebase.repo, entry.oid), {
            mode: entry.mode === '100755' ? 0o755 : 0o644,
          }),
        ),
      );
    await linkStack(staging);
    await placeBuildOutput(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return { dir, tree, branch, files };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
