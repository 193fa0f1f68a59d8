// Cross-process locks as files: a lock file names its owner (pid, host, since) so a refusal can
// say who holds it, and a lock left by a process that no longer exists is taken over. Used for
// the embedded state (one engine per workspace) and for short critical sections such as
// allocating the next branch number.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BranchyardError } from '../errors/index.ts';
import type { ErrorKind } from '../errors/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { toDisposable } from '../lifecycle/index.ts';

export interface LockOwner {
  pid: number;
  hostname: string;
  since: string;
  /** Tells this holder's lock from a later one at the same path. */
  nonce: string;
  /** What the holder is doing, for those who wait: "branchyard branch new". */
  purpose?: string;
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
  /** Written into the lock for those who wait for it. */
  purpose?: string;
  /** Called once, when a live holder makes this caller wait (never when it is refused at once). */
  onWait?: (holder: LockOwner) => void;
}

/** Takes the lock, waiting up to `waitMs` for a live holder; dispose to release it. */
export async function acquireFileLock(lockFile: string, options: LockOptions): Promise<Disposable> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  // Waiters in this process queue here and are woken at once, instead of polling the file;
  // the file then settles it between processes. A caller that will not wait skips the queue,
  // so a second holder in this process is refused at once.
  const releaseTurn = options.waitMs ? await localTurn(path.resolve(lockFile), deadline, options) : () => {};
  try {
    const file = await acquireFile(lockFile, deadline, options);
    return toDisposable(async () => {
      try {
        await file.dispose();
      } finally {
        releaseTurn();
      }
    });
  } catch (error) {
    releaseTurn();
    throw error;
  }
}

const localTails = new Map<string, Promise<void>>();

async function localTurn(key: string, deadline: number, options: LockOptions): Promise<() => void> {
  const previous = localTails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  localTails.set(key, tail);
  const done = () => {
    release();
    if (localTails.get(key) === tail) localTails.delete(key);
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()))),
  );
  const outcome = await Promise.race([previous.then(() => 'turn' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    // Keep the queue intact: pass the turn on as soon as it would have come.
    void previous.then(done);
    throw new BranchyardError(
      options.errorKind ?? 'LockTimeoutError',
      `${options.what} is in use by this process (still busy after waiting)${options.hint ? `; ${options.hint}` : ''}`,
    );
  }
  return done;
}

async function acquireFile(lockFile: string, deadline: number, options: LockOptions): Promise<Disposable> {
  let pause = 2;
  let holder: LockOwner | undefined;
  let told = false;
  for (;;) {
    const owner: LockOwner = {
      pid: process.pid,
      hostname: os.hostname(),
      since: new Date().toISOString(),
      nonce: randomBytes(8).toString('hex'),
      ...(options.purpose ? { purpose: options.purpose } : {}),
    };
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return toDisposable(() => release(lockFile, owner));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const seen = await stat(lockFile).catch(() => undefined);
    if (!seen) continue; // released in the meantime: try again at once
    holder = await readOwner(lockFile);
    const alive = holder !== undefined && isAlive(holder);
    // A dead holder's lock is stale. So is an unreadable one once it is a little old: a fresh
    // file with no owner yet may belong to a live process that is about to write it.
    if (!alive && (holder !== undefined || Date.now() - seen.mtimeMs > 1000)) {
      if (await takeOverStale(lockFile, seen, holder)) continue;
      // Another caller is taking it over: try again shortly, as for a live holder.
      await sleep(pause);
      pause = Math.min(pause * 2, 50);
      continue;
    }
    if (alive && Date.now() >= deadline) break;
    if (alive && !told) {
      told = true;
      options.onWait?.(holder!);
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 50);
  }
  const self = holder?.pid === process.pid ? ' (this process)' : '';
  throw new BranchyardError(
    options.errorKind ?? 'LockTimeoutError',
    `${options.what} is in use by process ${holder?.pid ?? 'unknown'}${self}${holder?.purpose ? ` (${holder.purpose})` : ''} since ${holder?.since ?? 'an unknown time'}${options.hint ? `; ${options.hint}` : ''}`,
  );
}

/**
 * Removes a stale lock without ever removing a fresh one. Several callers may judge the same lock
 * stale at once: one moving it aside while another had already replaced it by its own let a
 * third take the empty path too, and two processes held the lock. So a takeover is itself taken
 * in turn (a guard file made with O_EXCL), and under the guard the lock is removed only if it is
 * still the very one judged stale: the same owner (by nonce), or, for one with no readable owner,
 * the same file. Says whether this caller removed it.
 */
async function takeOverStale(lockFile: string, seen: Stats, staleOwner: LockOwner | undefined): Promise<boolean> {
  const guard = `${lockFile}.takeover`;
  try {
    await (await open(guard, 'wx', 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another caller is taking it over; a guard this old was left by one that died doing so.
    const left = await stat(guard).catch(() => undefined);
    if (left && Date.now() - left.mtimeMs > STALE_GUARD_MS) await rm(guard, { force: true });
    return false;
  }
  try {
    const now = await stat(lockFile).catch(() => undefined);
    if (!now) return false;
    const owner = await readOwner(lockFile);
    const same = staleOwner
      ? owner?.nonce === staleOwner.nonce && owner.pid === staleOwner.pid && !isAlive(owner)
      : owner === undefined && now.ino === seen.ino && now.dev === seen.dev && now.mtimeMs === seen.mtimeMs;
    if (!same) return false;
    await rm(lockFile, { force: true });
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}

/** A takeover is a stat, a read and a delete: a guard older than this belongs to a dead process. */
const STALE_GUARD_MS = 10_000;

/** Deletes the lock only while it is still this holder's. */
async function release(lockFile: string, owner: LockOwner): Promise<void> {
  const current = await readOwner(lockFile);
  if (current?.nonce === owner.nonce) await rm(lockFile, { force: true });
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
    return {
      pid: parsed.pid,
      hostname: String(parsed.hostname ?? ''),
      since: String(parsed.since ?? 'an unknown time'),
      nonce: String(parsed.nonce ?? ''),
    };
  } catch {
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
