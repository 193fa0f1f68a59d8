// The copy of the working tree a sandboxed command runs over, made fresh for each run and
// removed after it: whatever the command writes stays in the copy.
import { chown, cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export async function copyTree(from: string, owner?: number): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'branchyard-sandbox-'));
  const work = path.join(dir, 'work');
  await cp(from, work, { recursive: true, verbatimSymlinks: true });
  if (owner !== undefined) await chownTree(dir, owner);
  return { dir: work, dispose: () => rm(dir, { recursive: true, force: true }) };
}

async function chownTree(dir: string, uid: number): Promise<void> {
  await chown(dir, uid, uid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid);
    else if (!entry.isSymbolicLink()) await chown(full, uid, uid);
  }
}
