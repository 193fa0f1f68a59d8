// A branch made by hand (`branch new`): the files of a folder laid over a branch. Deletions are listed in
// `<path>/.branchyard-delete`, one path per line. The folder's `.git` and `node_modules` are
// never read, and nothing may point outside the folder.
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { aboutField, BranchyardError, describeError } from '../errors/index.ts';
import { checkBranchPath } from './change-paths.ts';
import type { ChangeSet, FileWrite } from './tree-write.ts';

export const DELETE_LIST = '.branchyard-delete';
/** Never read: another repository's internals and installed packages. */
const SKIPPED = new Set(['.git', 'node_modules']);

/** Errors open with `dir`, the input that names the folder. */
export function readOverlayDir(dir: string): Promise<ChangeSet> {
  return aboutField('dir', () => readOverlay(path.resolve(dir)));
}

async function readOverlay(root: string): Promise<ChangeSet> {
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new BranchyardError('InvalidInputError', `dir ${root}: no such folder`);
  if (!info.isDirectory())
    throw new BranchyardError(
      'InvalidInputError',
      `dir ${root}: is a file, expected a folder holding the branch's files`,
    );
  const realRoot = await realpath(root);

  const writes: FileWrite[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readable(root, relative, () => readdir(path.join(root, relative), { withFileTypes: true }));
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (SKIPPED.has(entry.name) || (relative === '' && entry.name === DELETE_LIST)) continue;
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(root, rel);
      if (entry.isDirectory()) {
        await walk(rel);
        continue;
      }
      let target = full;
      if (entry.isSymbolicLink()) {
        target = await realpath(full).catch(() => {
          throw new BranchyardError('InvalidInputError', `dir ${root}: ${rel} is a broken symbolic link`);
        });
        if (target !== realRoot && !target.startsWith(realRoot + path.sep)) {
          throw new BranchyardError(
            'InvalidInputError',
            `dir ${root}: ${rel} links to ${target}, outside the folder; a branch may only hold files from inside it`,
          );
        }
        if ((await stat(target)).isDirectory())
          throw new BranchyardError(
            'InvalidInputError',
            `dir ${root}: ${rel} links to a folder; copy the files instead`,
          );
      } else if (!entry.isFile()) {
        throw new BranchyardError('InvalidInputError', `dir ${root}: ${rel} is not a regular file`);
      }
      const mode = (await readable(root, rel, () => lstat(target))).mode;
      writes.push({
        path: checkBranchPath(rel, `dir ${root}`),
        content: await readable(root, rel, () => readFile(target)),
        executable: (mode & 0o111) !== 0,
      });
    }
  };
  await walk('');

  const deletes = await readDeleteList(root);
  if (writes.length === 0 && deletes.length === 0) {
    throw new BranchyardError(
      'InvalidInputError',
      `dir ${root} is empty: put the new or changed files there (and list deletions in ${DELETE_LIST})`,
    );
  }
  return { writes, deletes };
}

/** A file the folder holds but nobody can read (`/proc/self/...`, no permission) is the caller's input to fix, named, not an engine fault. */
async function readable<T>(root: string, rel: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new BranchyardError(
      'InvalidInputError',
      `dir ${root}: ${rel || '.'} cannot be read (${describeError(error)})`,
      { cause: error },
    );
  }
}

async function readDeleteList(root: string): Promise<string[]> {
  const text = await readFile(path.join(root, DELETE_LIST), 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), index }))
    .filter(({ line }) => line && !line.startsWith('#'))
    .map(({ line, index }) => checkBranchPath(line, `${path.join(root, DELETE_LIST)} line ${index + 1}`));
}
