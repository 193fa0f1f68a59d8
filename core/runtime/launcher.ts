// What PM2 starts for every branch: one launcher per codebase, in its apps folder, that loads the
// built server named by BRANCHYARD_SERVER. A new branch's process is started while its build
// still runs its checks (issue 21: Node's start and PM2's fork then overlap the type-check), so
// the launcher waits for the build's folder, which the build renames into place only once its
// checks passed; a server that is already there is loaded at once (every later start and wake).

export const LAUNCHER_FILE = 'launch.mjs';

/**
 * The launcher's exit code when a process started with its build has nothing to gain from a
 * restart: no build arrived in time, or the new build's modules threw while loading (the engine
 * then removes it). PM2 leaves it stopped (stop_exit_codes) rather than restarting it while the
 * engine removes it.
 */
export const STOPPED_EXIT_CODE = 75;

/** Set (with BRANCHYARD_PRELOAD) only for the process started with its build, never in a wake's entry. */
export const AHEAD_ENV = ['BRANCHYARD_AHEAD', 'BRANCHYARD_PRELOAD'];

/** How long a launcher waits for its build: far past any check, short of a process forgotten for good. */
const BUILD_WAIT_MS = 10 * 60 * 1000;

// Plain JavaScript: it runs in the container's Node, with nothing of the engine's beside it.
export const LAUNCHER = `// Written by Branchyard's engine (core/runtime/launcher.ts); replaced at every engine start.
import { existsSync, watch } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const server = process.env.BRANCHYARD_SERVER;
const preload = process.env.BRANCHYARD_PRELOAD;
// Only its first run is ahead of the build: PM2 passes its restart count, and a restart (a crash
// after it served) loads the server as any start does.
const ahead = process.env.BRANCHYARD_AHEAD === '1' && (process.env.restart_time ?? '0') === '0';
if (ahead) console.log('[branch] started with its build, before its checks passed');
let preloading = Promise.resolve();
const load = () =>
  preloading.then(() => {
    // The build's folder is the process's own folder, as it was when PM2 started the build's file.
    process.chdir(path.dirname(server));
    return import(pathToFileURL(server).href).catch((error) => {
      console.error(error?.stack ?? String(error));
      process.exit(ahead ? ${STOPPED_EXIT_CODE} : 1);
    });
  });
if (!server) {
  console.error('[branch] BRANCHYARD_SERVER is not set: the engine names the server to load');
  process.exit(1);
} else if (existsSync(server)) load();
else {
  console.log('[branch] waiting for the build to pass its checks');
  // While it waits, the server runtime is compiled (from its code cache): the server that
  // arrives finds it loaded. One that cannot be preloaded is loaded by the server as always.
  if (preload) preloading = import(pathToFileURL(preload).href).then(() => {}, () => {});
  // The build folder appears whole, by a rename into the folder of builds: that rename is the event.
  let watcher;
  const arrived = () => {
    if (!existsSync(server)) return;
    watcher?.close();
    clearInterval(poll);
    clearTimeout(deadline);
    load();
  };
  try {
    watcher = watch(path.dirname(path.dirname(server)), arrived);
    watcher.on('error', () => {});
  } catch {}
  // A file system that drops events costs at most this much.
  const poll = setInterval(arrived, 250);
  const deadline = setTimeout(() => {
    console.error('[branch] its build did not arrive within ${BUILD_WAIT_MS / 60_000} minutes; start it again once it is built');
    process.exit(${STOPPED_EXIT_CODE});
  }, ${BUILD_WAIT_MS});
  arrived();
}
`;
