// Cross-process locks as files: a lock file names its owner (pid, host, since) so a refusal can
// say who holds it, and a lock left by a process that no longer exists is taken over. Used for
// the embedded state (one engine per workspace) and for short critical sections such as
// allocating the next branch number.
import { open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { BranchyardError } from '../errors/index.ts';
import type { ErrorKind } from '../errors/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { toDisposable } from '../lifecycle/index.ts';

export interface LockOwner {
  pid: number;
  hostname: string;
  since: string;
}

export interface LockOptions {
  /** What the lock guards, for messages: "the engine state at …". */
  what: string;
  /** How long to wait for a live holder; 0 refuses at once. */
  waitMs?: number;
  /** The kind of the error thrown when the lock stays held. */
  errorKind?: ErrorKind;
  /** Added to the refusal, e.g. how to stop the other holder. */
  hint?: string;
}

/** Takes the lock, waiting up to `waitMs` for a live holder; dispose to release it. */
export async function acquireFileLock(lockFile: string, options: LockOptions): Promise<Disposable> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  let pause = 2;
  let holder: LockOwner | undefined;
  for (;;) {
    const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString() };
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return toDisposable(() => rm(lockFile, { force: true }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    holder = await readOwner(lockFile);
    if (!holder || !isAlive(holder)) {
      // The holder died without cleaning up (or died between creating and writing the file).
      // A fresh file with no owner yet may belong to a live process that is about to write it,
      // so only take it over once it is a little old.
      if (holder || (await isOlderThan(lockFile, 1000))) await rm(lockFile, { force: true });
    } else if (Date.now() >= deadline) {
      break;
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 50);
  }
  const self = holder?.pid === process.pid ? ' (this process)' : '';
  throw new BranchyardError(
    options.errorKind ?? 'LockTimeoutError',
    `${options.what} is in use by process ${holder?.pid ?? 'unknown'}${self} since ${holder?.since ?? 'an unknown time'}${options.hint ? `; ${options.hint}` : ''}`,
  );
}

/** Runs `work` while holding the lock. */
export async function withFileLock<T>(lockFile: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const lock = await acquireFileLock(lockFile, options);
  try {
    return await work();
  } finally {
    await lock.dispose();
  }
}

async function readOwner(lockFile: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockFile, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number') return undefined;
    return { pid: parsed.pid, hostname: String(parsed.hostname ?? ''), since: String(parsed.since ?? 'an unknown time') };
  } catch {
    return undefined;
  }
}

async function isOlderThan(file: string, ms: number): Promise<boolean> {
  return stat(file).then((s) => Date.now() - s.mtimeMs > ms, () => true);
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
