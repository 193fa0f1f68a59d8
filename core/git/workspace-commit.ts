// The workspace repository records every new metadata folder (branch records, dev revisions)
// in a commit of its own. Commits go through git's index, so they are serialized by a lock:
// several branches may be recorded at once by different revisions or processes.
import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { withFileLock } from '../locks/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';
import { ENGINE_AUTHOR } from '../workspace/index.ts';

/**
 * Commits the given folders or files (absolute paths inside the workspace); undefined when
 * nothing changed. With `onlyNew`, only files the repository has never seen are committed:
 * recovery records what a crash left behind, never a person's edits in progress.
 */
export async function commitToWorkspace(
  paths: WorkspacePaths,
  targets: string[],
  message: string,
  options: { onlyNew?: boolean } = {},
): Promise<string | undefined> {
  await mkdir(paths.engineDir, { recursive: true, mode: 0o700 });
  const dir = paths.root;
  const filepaths = targets.map((t) => path.relative(dir, t).split(path.sep).join('/'));
  return withFileLock(
    path.join(paths.engineDir, 'workspace-git.lock'),
    { what: `the workspace repository ${dir}`, waitMs: 60_000 },
    async () => {
      const matrix = await statusOf(dir, filepaths);
      const changed = matrix.filter(
        ([, head, workdir, stage]) => !(head === 1 && workdir === 1 && stage === 1) && (!options.onlyNew || head === 0),
      );
      if (changed.length === 0) return undefined;
      for (const [filepath, , workdir] of changed) {
        if (workdir === 0) await git.remove({ fs, dir, filepath });
        else await git.add({ fs, dir, filepath });
      }
      return git.commit({ fs, dir, message, author: ENGINE_AUTHOR });
    },
  );
}

/** Git walks the folders around the ones asked for; a file that vanishes meanwhile is retried, not fatal. */
async function statusOf(dir: string, filepaths: string[]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await git.statusMatrix({ fs, dir, filepaths });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw error;
    }
  }
}

/** A file as the workspace repository's last commit holds it; undefined when it holds none (or has no commit yet). */
export async function committedText(paths: WorkspacePaths, file: string): Promise<string | undefined> {
  const dir = paths.root;
  try {
    const oid = await git.resolveRef({ fs, dir, ref: 'HEAD' });
    const { blob } = await git.readBlob({ fs, dir, oid, filepath: path.relative(dir, file).split(path.sep).join('/') });
    return Buffer.from(blob).toString('utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'NotFoundError') return undefined;
    throw error;
  }
}
