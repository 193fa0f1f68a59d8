// A branch's PM2 process entry, resolved here the way PM2's CLI would resolve an ecosystem
// file, and handed to its daemon's `prepare` call as it is. Paths are as PM2 sees them (inside
// the container). Kept in the codebase's apps folder: a sleeping branch wakes from it without a
// build, and its presence without a process is what "sleeping" means after an engine restart.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { STOPPED_EXIT_CODE } from './launcher.ts';

/**
 * Restarts PM2 grants a branch that dies within two seconds of starting, before it counts as
 * failed. A branch that ran longer and then died is restarted without limit.
 */
const MAX_RESTARTS = 6;

export interface AppEntry {
  name: string;
  pm_exec_path: string;
  pm_cwd: string;
  exec_interpreter: string;
  exec_mode: 'fork_mode';
  env: Record<string, string>;
  [option: string]: unknown;
}

export interface EntryInput {
  name: string;
  /** The codebase's launcher (launcher.ts), as PM2 sees it; it loads the server in env.BRANCHYARD_SERVER. */
  script: string;
  node: string;
  env: Record<string, string>;
  logs: string;
  home: string;
}

export function appEntry(input: EntryInput): AppEntry {
  return {
    name: input.name,
    pm_exec_path: input.script,
    pm_cwd: path.posix.dirname(input.script),
    exec_interpreter: input.node,
    exec_mode: 'fork_mode',
    node_args: [],
    args: [],
    // The whole environment of the process: PM2 passes pm2_env's plain values and nothing of
    // its own, so nothing of the engine's (an API key) can reach a branch.
    // PM2 turns on Node's source maps in every process it starts: reading the server's map (larger
    // than the server) cost a sixth of a branch's start. Its stack traces name lines of server.mjs.
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/tmp',
      NODE_ENV: 'production',
      disable_source_map_support: 'true',
      ...input.env,
    },
    autostart: true,
    autorestart: true,
    // A process started with its build whose build never arrived (the engine stopped during the
    // build), or whose modules threw, stays stopped (launcher.ts).
    stop_exit_codes: [STOPPED_EXIT_CODE],
    min_uptime: 2000,
    max_restarts: MAX_RESTARTS,
    kill_timeout: 5000,
    // How often PM2 looks whether a stopped process has exited; its answer (and so a reload or
    // a sleep) waits for the first look after the exit: 100 ms cost a reload up to that much.
    kill_retry_time: 20,
    treekill: true,
    windowsHide: true,
    merge_logs: true,
    // Off: PM2's metrics agent (loaded into every process by default, tens of milliseconds of
    // start and a few MB each) and reading git metadata of the script's folder after each start.
    pmx: false,
    vizion: false,
    automation: false,
    instance_var: 'NODE_APP_INSTANCE',
    namespace: 'default',
    log_date_format: 'YYYY-MM-DDTHH:mm:ss',
    pm_out_log_path: path.posix.join(input.logs, `${input.name}.out.log`),
    pm_err_log_path: path.posix.join(input.logs, `${input.name}.err.log`),
    pm_pid_path: path.posix.join(input.home, 'pids', `${input.name}.pid`),
  };
}

const ENTRY_NAME = /^(.+)-(\d{5})\.json$/;

export async function writeEntry(folder: string, entry: AppEntry): Promise<void> {
  await writeFile(path.join(folder, `${entry.name}.json`), `${JSON.stringify(entry, null, 2)}\n`);
}

/** The entry a branch last started with; undefined when it has none (never started, stopped, or an older engine's). */
export async function readEntry(folder: string, name: string): Promise<AppEntry | undefined> {
  const text = await readFile(path.join(folder, `${name}.json`), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const entry = JSON.parse(text) as Partial<AppEntry>;
    return typeof entry.pm_exec_path === 'string' && entry.name === name ? (entry as AppEntry) : undefined;
  } catch {
    return undefined;
  }
}

export function removeEntry(folder: string, name: string): Promise<void> {
  return rm(path.join(folder, `${name}.json`), { force: true });
}

/** The branches of a codebase that have an entry, by number. */
export function entryBranches(names: string[], codebase: string): number[] {
  return names.flatMap((file) => {
    const match = ENTRY_NAME.exec(file);
    return match && match[1] === codebase ? [Number(match[2])] : [];
  });
}
