// One engine at a time may open an embedded state directory: PGlite is a single-process
// database, and two writers would corrupt it. The lock file names its owner so the refusal can
// say "in use by process N"; a lock left by a process that no longer exists is taken over.
import { open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { BranchyardError } from '../errors/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { toDisposable } from '../lifecycle/index.ts';

interface LockOwner {
  pid: number;
  hostname: string;
  since: string;
}

export async function acquireDirectoryLock(lockFile: string, what: string): Promise<Disposable> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString() };
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return toDisposable(() => rm(lockFile, { force: true }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readOwner(lockFile);
    if (holder && isAlive(holder)) {
      const self = holder.pid === process.pid ? ' (this process)' : '';
      throw new BranchyardError(
        'StoreInUseError',
        `${what} is in use by process ${holder.pid}${self} since ${holder.since}; stop that engine first (or point this one at a PostgreSQL server with BRANCHYARD_DATABASE_URL)`,
      );
    }
    // The holder died without cleaning up: its lock is stale.
    await rm(lockFile, { force: true });
  }
  throw new BranchyardError('StoreInUseError', `${what}: could not take the lock ${lockFile}; another engine keeps taking it`);
}

async function readOwner(lockFile: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockFile, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number') return undefined;
    return { pid: parsed.pid, hostname: String(parsed.hostname ?? ''), since: String(parsed.since ?? 'an unknown time') };
  } catch {
    // Half-written by a process that died between open and write: treat as stale.
    return undefined;
  }
}

function isAlive(owner: LockOwner): boolean {
  // A lock from another machine (a shared folder) cannot be checked: assume it is held.
  if (owner.hostname && owner.hostname !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
