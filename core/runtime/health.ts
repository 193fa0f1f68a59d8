// A branch counts as running only once its health route answers through its socket. Its socket
// appearing in the sockets folder is the event that says when to ask: the folder is watched, so
// no fixed sleep stands between a branch listening and the engine knowing.
import { watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';

export interface HealthWait {
  /** The branch's socket on the host. */
  socketPath: string;
  timeoutMs: number;
  /** "branch 00002 of users", for messages. */
  what: string;
  /** Settles with the reason to give up early (PM2 gave up on the process); never resolves otherwise. */
  failed?: Promise<Error>;
  /** Told about once a second while it waits, with how long it has waited. */
  waiting?: (elapsedMs: number, last: string) => void;
  /** The error for a wait that ran out, made from its message (a RuntimeError by default). */
  timedOut?: (message: string) => Error;
  /**
   * The socket (`dev:ino`) of the process being replaced, which still answers at the path: not
   * asked; the new process's own socket, made at the same path, is.
   */
  replacing?: string;
}

/** Waits until the branch's health route answers 200. */
export function waitForHealth(options: HealthWait): Promise<void> {
  const { socketPath, timeoutMs, what } = options;
  const started = Date.now();
  return new Promise<void>((resolve, reject) => {
    let last = 'no socket yet';
    let settled = false;
    let probing = false;
    let again = false;
    let retry: NodeJS.Timeout | undefined;
    let pause = 10;
    const watcher = watchFolder(path.dirname(socketPath), path.basename(socketPath), () => attempt());
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      watcher.close();
      clearTimeout(retry);
      clearTimeout(deadline);
      clearInterval(ticker);
      if (error) reject(error);
      else resolve();
    };
    const deadline = setTimeout(() => {
      const message = `${what} did not become healthy within ${timeoutMs} ms (${last})`;
      finish(options.timedOut?.(message) ?? new BranchyardError('RuntimeError', message));
    }, timeoutMs);
    const ticker = setInterval(() => options.waiting?.(Date.now() - started, last), 1000);
    options.failed?.then(finish, finish);
    const attempt = () => {
      if (settled) return;
      if (probing) return void (again = true);
      probing = true;
      clearTimeout(retry);
      notReplaced(socketPath, options.replacing)
        .then(() => probe(socketPath))
        .then(
          (status) => {
            probing = false;
            if (status === 200) return finish();
            last = `health answered ${status}`;
            schedule(true);
          },
          (error: NodeJS.ErrnoException) => {
            probing = false;
            last = error.code === 'ENOENT' ? 'no socket yet' : error.message;
            // The replaced process's socket: the new one's creation is the next event.
            if (error.code === 'EREPLACED') return schedule(false);
            // No socket yet: its creation is the next event. One that refused (bound, not yet
            // listening) or answered badly is asked again shortly, as no event will follow.
            schedule(error.code !== 'ENOENT');
          },
        );
    };
    const schedule = (soon: boolean) => {
      if (settled) return;
      if (again) {
        again = false;
        return attempt();
      }
      // A missed folder event (some file systems drop them) costs at most half a second.
      retry = setTimeout(attempt, soon ? pause : 500);
      if (soon) pause = Math.min(pause * 2, 200);
    };
    attempt();
  });
}

function watchFolder(folder: string, name: string, changed: () => void): { close(): void } {
  try {
    const watcher = watch(folder, (_event, file) => {
      if (file === null || file === name) changed();
    });
    watcher.on('error', () => undefined);
    return watcher;
  } catch {
    return { close: () => undefined };
  }
}

/** Fails with code EREPLACED while the socket at the path is still the replaced process's. */
async function notReplaced(socketPath: string, replacing: string | undefined): Promise<void> {
  if (replacing === undefined) return;
  const found = await stat(socketPath).catch(() => undefined);
  if (found && `${found.dev}:${found.ino}` === replacing)
    throw Object.assign(new Error('the previous process still holds the socket'), { code: 'EREPLACED' });
}

export function probe(socketPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path: '/health', timeout: 2000, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('health check timed out')));
    request.on('error', reject);
  });
}
