// Branches as PM2 processes, one PM2 per codebase, whichever backend runs it (a Docker
// container, or this machine without isolation). The engine drives each codebase's PM2 over its
// daemon's RPC socket, in a host folder. Each branch listens on a unix socket in a host folder,
// where the gateway reaches it; it counts as running only once its health route answers.
// Starting, stopping or reloading one branch never touches another. A sleeping branch has its
// process entry and no process: it wakes from the entry, without a build.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';
import { formatBranch } from '../git/index.ts';
import type { AppEntry } from './app-entry.ts';
import { appEntry, entryBranches, readEntry, removeEntry, writeEntry } from './app-entry.ts';
import { DockerBackend } from './docker-backend.ts';
import { waitForHealth } from './health.ts';
import { HostBackend } from './host-backend.ts';
import { AHEAD_ENV, LAUNCHER, LAUNCHER_FILE } from './launcher.ts';
import { BranchLoadError, thrownIn } from './load-error.ts';
import { Pm2Daemon } from './pm2-daemon.ts';
import type { Pm2Process } from './pm2-daemon.ts';
import { branchSocketPath, runFolders } from './run-folders.ts';
import { Turns } from './turns.ts';
import type { BranchProcess, Pm2Backend, RunFolders, RuntimeOptions, TtyStream } from './types.ts';

export { branchSocketPath, runFolders };

/** How long a branch has to answer its health route once PM2 started it. */
const START_TIMEOUT_MS = 60_000;
/** Exits before a branch first answers that count as a crash loop. */
const MAX_START_EXITS = 6;

export class Pm2Runtime {
  /**
   * Operations on one branch take turns (key `branch:<codebase>:<n>`), and so does preparing a
   * codebase's PM2 (`prepare:…`): two starts of one branch at once (a `run` beside a gateway
   * starting the branch it follows) once interleaved their delete and start, and the branch
   * showed `restarts: 2` right after its first start.
   */
  private readonly turns = new Turns();
  /** Starts under way, by branch: a second start of the same entry joins the first. */
  private readonly starting = new Map<string, { identity: string; done: Promise<BranchProcess> }>();
  /** Each codebase's daemon connection, opened on first use and again after it is lost. */
  private readonly daemons = new Map<string, Promise<Pm2Daemon>>();
  /** The processes a reload replaced, ending after the new one answers, by branch (`<codebase>:<n>`). */
  private readonly retiring = new Map<string, Promise<void>>();
  /** Ends the health wait of a start under way: a stop or sleep does not wait for a start that hangs. */
  private readonly cancels = new Map<string, (reason: Error) => void>();
  private startTimeoutMs = START_TIMEOUT_MS;
  /** Codebases whose PM2 this runtime has prepared (checked its container, written its folders). */
  private readonly prepared = new Set<string>();

  get kind(): Pm2Backend['kind'] {
    return this.backend.kind;
  }

  get isolated(): boolean {
    return this.backend.isolated;
  }

  constructor(
    private readonly backend: Pm2Backend,
    private readonly options: RuntimeOptions,
  ) {}

  /** The Docker backend, or PM2 on this machine without isolation when `backend` is 'host'. */
  static async open(options: RuntimeOptions & { backend?: 'docker' | 'host' }): Promise<Pm2Runtime> {
    const backend = options.backend === 'host' ? new HostBackend(options) : await DockerBackend.open(options);
    return new Pm2Runtime(backend, options);
  }

  /** How long a start may wait for the branch's health route (tests shorten it). */
  setStartTimeout(ms: number): void {
    this.startTimeoutMs = ms;
  }

  folders(codebase: string): RunFolders {
    return runFolders(this.options.workspace, codebase);
  }

  socketPath(codebase: string, branch: number): string {
    return branchSocketPath(this.options.workspace, codebase, branch);
  }

  /** Makes sure the codebase's PM2 runs, adopting one that already does. */
  prepare(codebase: string): Promise<void> {
    return this.turns.run(`prepare:${codebase}`, () => this.prepareNow(codebase));
  }

  private async prepareNow(codebase: string): Promise<void> {
    const folders = this.folders(codebase);
    for (const dir of Object.values(folders)) await mkdir(dir, { recursive: true });
    // pm2-runtime (in a container) needs one app to keep running before any branch starts.
    await writeFile(path.join(folders.apps, 'keepalive.cjs'), 'setInterval(() => {}, 1 << 30);\n');
    await writeFile(path.join(folders.apps, LAUNCHER_FILE), LAUNCHER);
    const keepalive = path.join(this.backend.inside(codebase, folders, 'apps'), 'keepalive.cjs');
    await writeFile(
      path.join(folders.apps, 'keepalive.config.cjs'),
      `module.exports = { apps: [{ name: 'branchyard-keepalive', script: ${JSON.stringify(keepalive)} }] };\n`,
    );
    await this.backend.prepare(codebase, folders);
  }

  /** The codebase's daemon; with `start`, PM2 is started first when it does not run. */
  private async daemon(codebase: string, start: boolean): Promise<Pm2Daemon | undefined> {
    const current = await this.daemons.get(codebase)?.catch(() => undefined);
    if (current?.alive) return current;
    const home = this.folders(codebase).home;
    const opening = Pm2Daemon.connect(home).catch(async (error: unknown) => {
      if (!start) throw error;
      await this.prepare(codebase);
      return Pm2Daemon.connect(home);
    });
    this.daemons.set(codebase, opening);
    try {
      return await opening;
    } catch (error) {
      if (this.daemons.get(codebase) === opening) this.daemons.delete(codebase);
      if (start) throw error;
      return undefined;
    }
  }

  /**
   * The PostgreSQL URL of a workspace database as a branch process reaches it: through the
   * database's socket folder, mounted into the container (the user name is not checked).
   */
  databaseUrl(codebase: string, database: string): string {
    const folder = path.posix.join(this.backend.inside(codebase, this.folders(codebase), 'databases'), database);
    return `postgresql://branchyard@localhost/postgres?host=${encodeURIComponent(folder)}`;
  }

  /** A shell in the codebase's container, in the folder of a branch's build; Docker only. */
  async shell(codebase: string, branch: number, options: { cols: number; rows: number }): Promise<TtyStream> {
    if (!this.backend.shell)
      throw new BranchyardError(
        'RuntimeUnavailableError',
        `branches of ${codebase} run on this machine without Docker, so there is no container to open a terminal in; open a terminal on the host instead`,
      );
    await this.prepare(codebase);
    return this.backend.shell(codebase, {
      ...options,
      cwd: this.backend.inside(codebase, this.folders(codebase), 'builds'),
      env: { BRANCHYARD_BRANCH: String(branch) },
    });
  }

  /**
   * Starts (or restarts) a branch from its built server and waits until its health route
   * answers. A start of the same build and settings while one is under way joins it; any other
   * waits for it to finish, then starts again.
   *
   * With `placed`, the server need not exist yet: PM2 starts the process now and it waits for the
   * build's folder (launcher.ts), so Node's start overlaps the build's checks. The health wait
   * begins once `placed` resolves; if it rejects (the checks failed), the process and its entry
   * are removed. The first exit fails the start: the branch's modules threw while loading, and
   * starting it again would not change that.
   * `preload` (with `placed`): the build's runtime preloader, which the waiting process imports.
   */
  start(
    codebase: string,
    branch: number,
    server: string,
    extraEnv: Record<string, string> = {},
    options: { placed?: Promise<void>; preload?: string } = {},
  ): Promise<BranchProcess> {
    const folders = this.folders(codebase);
    const relative = path.relative(folders.builds, server);
    if (relative.startsWith('..') || path.isAbsolute(relative))
      return Promise.reject(new BranchyardError('RuntimeError', `${server} is not a build of codebase ${codebase}`));
    const inside = (kind: keyof RunFolders, file: string) =>
      path.posix.join(this.backend.inside(codebase, folders, kind), file);
    const name = processName(codebase, branch);
    const preload = options.placed && options.preload && this.backend.engineFile(options.preload);
    const aheadEnv: Record<string, string> = options.placed
      ? { BRANCHYARD_AHEAD: '1', ...(preload ? { BRANCHYARD_PRELOAD: preload } : {}) }
      : {};
    const entry = appEntry({
      name,
      script: inside('apps', LAUNCHER_FILE),
      node: this.backend.node,
      env: {
        ...extraEnv,
        BRANCHYARD_SERVER: inside('builds', relative),
        BRANCHYARD_SOCKET: inside('sockets', `${formatBranch(branch)}.sock`),
        BRANCHYARD_BRANCH: String(branch),
        ...aheadEnv,
      },
      logs: this.backend.inside(codebase, folders, 'logs'),
      home: this.backend.inside(codebase, folders, 'home'),
    });
    // Awaited later, after PM2 has the process: a build that fails sooner must not go unhandled.
    options.placed?.catch(() => undefined);
    return this.launch(codebase, branch, entry, options.placed);
  }

  /**
   * Wakes a sleeping branch (or restarts a stopped-by-crash one) from the entry it last started
   * with, with no build; fails with NotFoundError when it has none.
   */
  async resume(codebase: string, branch: number): Promise<BranchProcess> {
    const under = this.starting.get(`${codebase}:${branch}`);
    if (under) return under.done;
    const entry = await readEntry(this.folders(codebase).apps, processName(codebase, branch));
    if (!entry)
      throw new BranchyardError(
        'NotFoundError',
        `branch ${formatBranch(branch)} of ${codebase} has not been started by this engine, so there is nothing to wake; run it`,
      );
    return this.launch(codebase, branch, entry);
  }

  private launch(codebase: string, branch: number, entry: AppEntry, placed?: Promise<void>): Promise<BranchProcess> {
    const key = `${codebase}:${branch}`;
    const identity = JSON.stringify([
      entry.pm_exec_path,
      Object.entries(entry.env).sort(([a], [b]) => a.localeCompare(b)),
    ]);
    const under = this.starting.get(key);
    if (under?.identity === identity) return under.done;
    const done = this.turns.run(`branch:${key}`, () => this.launchNow(codebase, branch, entry, placed));
    const record = { identity, done };
    this.starting.set(key, record);
    const forget = () => {
      if (this.starting.get(key) === record) this.starting.delete(key);
    };
    done.then(forget, forget);
    return done;
  }

  private async launchNow(
    codebase: string,
    branch: number,
    entry: AppEntry,
    placed?: Promise<void>,
  ): Promise<BranchProcess> {
    let started = Date.now();
    const what = `branch ${formatBranch(branch)} of ${codebase}`;
    const task = `run:${codebase}:${branch}`;
    const say = (step: string, message: string) => this.options.events?.emit('progress', { task, step, message });
    // Prepared once by this runtime; after that a daemon that answers means its container runs,
    // and a start or wake makes no Docker call (an inspect cost tens of milliseconds of each wake).
    if (!this.prepared.has(codebase)) {
      await this.prepare(codebase);
      this.prepared.add(codebase);
    }
    const daemon = (await this.daemon(codebase, true))!;
    await this.retired(codebase, branch);
    const previous = (await daemon.list()).filter((p) => p.name === entry.name);
    const socket = this.socketPath(codebase, branch);
    // A reload: the running process serves until the new one listens, whose socket replaces its
    // own at the same path; it is stopped after (it then finishes its requests and exits without
    // touching the path). Anything else is stopped first, and so is a process an older engine
    // started (not through the launcher): its server bound the path itself, and closing it would
    // unlink the new socket.
    const serving =
      !placed && previous.some((p) => p.pm2_env.status === 'online' && p.pm2_env.pm_exec_path === entry.pm_exec_path)
        ? await socketIdentity(socket)
        : undefined;
    if (serving === undefined) {
      for (const old of previous) await removeProcess(daemon, old.pm2_env.pm_id);
      await rm(socket, { force: true });
    }
    const replaced = new Set(serving === undefined ? [] : previous.map((p) => p.pm2_env.pm_id));
    const folders = this.folders(codebase);
    // A process started ahead of its build gets its entry (what a wake starts from) only once it
    // answers: an engine stopped during the build leaves no branch that seems to sleep.
    if (!placed) await writeEntry(folders.apps, entry);

    // Healthy, or given up on by PM2 after crashing in a loop, or PM2 gone: whichever comes first.
    let unsubscribe = () => {};
    let forgetLost = () => {};
    const failed = new Promise<Error>((resolve) => {
      // PM2 gives up on a process that dies within min_uptime max_restarts times; one that takes
      // longer to die (a slow machine) it restarts for ever, so exits before the first answer
      // are counted here too: a branch that cannot start never loops.
      let exits = 0;
      const crashed = (times: number) =>
        void this.logs(codebase, branch, 15).then((lines) =>
          resolve(
            new BranchyardError(
              'RuntimeError',
              `${what} crashed ${times} times in a row and was stopped; its last log lines:\n${lines}`,
            ),
          ),
        );
      const stoppedLoading = () =>
        void this.logs(codebase, branch, 15).then((lines) =>
          resolve(
            new BranchLoadError(
              `${what} stopped while loading its modules; its last log lines:\n${lines}`,
              thrownIn(lines) ?? (lines.trim().split('\n').at(-1) || 'it exited before it answered'),
            ),
          ),
        );
      unsubscribe = daemon.onEvent((event) => {
        if (event.process.name !== entry.name || replaced.has(event.process.pm_id)) return;
        if (event.event === 'restart overlimit') crashed(event.process.restart_time);
        else if (event.event === 'exit' && placed) stoppedLoading();
        else if (event.event === 'exit' && ++exits >= MAX_START_EXITS) crashed(exits);
      });
      forgetLost = daemon.onLost((reason) =>
        resolve(
          new BranchyardError(
            'RuntimeUnavailableError',
            `${what} was starting when its PM2 went away (${reason.message}); is the container or the Docker engine stopping?`,
          ),
        ),
      );
      this.cancels.set(`${codebase}:${branch}`, resolve);
    });
    try {
      await daemon.call('prepare', structuredClone(entry));
      if (placed) {
        // The build's checks run meanwhile; the branch is only waited for once its build is in place.
        await Promise.race([placed, failed.then((error) => Promise.reject(error))]);
        started = Date.now();
      }
      await waitForHealth({
        socketPath: socket,
        timeoutMs: this.startTimeoutMs,
        what,
        failed,
        waiting: (elapsed, last) =>
          say('wait', `waiting for ${what} to answer on its socket (${Math.round(elapsed / 1000)} s so far; ${last})`),
        replacing: serving,
        // Started ahead of its build, a branch that never answered is a build that failed.
        timedOut: placed
          ? (message) =>
              new BranchLoadError(message, `its modules did not finish loading within ${this.startTimeoutMs / 1000} s`)
          : undefined,
      });
    } catch (error) {
      // Never left half-started: a branch that did not come up is not restarted by PM2 behind our back.
      // PM2 may be restarting the process as it is deleted (it restarts one that exited at once),
      // so the branch's processes are looked for again until none is left.
      for (let round = 0; round < 5; round++) {
        const left = await daemon.list().then(
          (all) => all.filter((p) => p.name === entry.name && (placed || p.pm2_env.status !== 'errored')),
          () => [],
        );
        if (left.length === 0) break;
        for (const p of left) await removeProcess(daemon, p.pm2_env.pm_id).catch(() => undefined);
      }
      if (placed) await removeEntry(folders.apps, entry.name);
      throw error;
    } finally {
      unsubscribe();
      forgetLost();
      this.cancels.delete(`${codebase}:${branch}`);
    }
    // What a wake starts from: the branch as any later start runs it, not ahead of a build.
    if (placed)
      await writeEntry(folders.apps, {
        ...entry,
        env: Object.fromEntries(Object.entries(entry.env).filter(([name]) => !AHEAD_ENV.includes(name))),
      });
    // The new process answers at the branch's path: the one it replaced finishes and exits.
    if (replaced.size > 0)
      this.retiring.set(
        `${codebase}:${branch}`,
        Promise.all([...replaced].map((id) => removeProcess(daemon, id).catch(() => undefined))).then(() => undefined),
      );
    say('ready', `${what} answers (${Date.now() - started} ms)`);
    const found = (await daemon.list()).find((p) => p.name === entry.name && !replaced.has(p.pm2_env.pm_id));
    return found
      ? { ...this.describe(codebase, branch, found), status: statusOf(found.pm2_env.status) }
      : { codebase, branch, status: 'online', restarts: 0, pid: null, memoryBytes: null };
  }

  /** Stops a branch's process and forgets its entry: it does not wake on its own. */
  stop(codebase: string, branch: number): Promise<void> {
    this.cancels.get(`${codebase}:${branch}`)?.(
      new BranchyardError('RuntimeError', `branch ${formatBranch(branch)} of ${codebase} was stopped while it started`),
    );
    return this.turns.run(`branch:${codebase}:${branch}`, async () => {
      await this.deleteProcess(codebase, branch);
      await removeEntry(this.folders(codebase).apps, processName(codebase, branch));
    });
  }

  /** Stops a branch's process and keeps its entry: it wakes with `resume`, without a build. */
  sleep(codebase: string, branch: number): Promise<void> {
    this.cancels.get(`${codebase}:${branch}`)?.(
      new BranchyardError(
        'RuntimeError',
        `branch ${formatBranch(branch)} of ${codebase} was put to sleep while it started`,
      ),
    );
    return this.turns.run(`branch:${codebase}:${branch}`, () => this.deleteProcess(codebase, branch));
  }

  /** Waits until the processes a reload replaced have ended: the branch's next step sees only its own. */
  private async retired(codebase: string, branch: number): Promise<void> {
    const key = `${codebase}:${branch}`;
    const retiring = this.retiring.get(key);
    if (!retiring) return;
    await retiring;
    if (this.retiring.get(key) === retiring) this.retiring.delete(key);
  }

  private async deleteProcess(codebase: string, branch: number): Promise<void> {
    const daemon = await this.daemon(codebase, false);
    await this.retired(codebase, branch);
    const name = processName(codebase, branch);
    if (daemon)
      for (const p of (await daemon.list()).filter((p) => p.name === name))
        await removeProcess(daemon, p.pm2_env.pm_id);
    await rm(this.socketPath(codebase, branch), { force: true });
  }

  /**
   * Every branch of the codebase that has a process (as PM2 says), is starting ('waking'), or
   * sleeps (its entry kept, no process).
   */
  async list(codebase: string): Promise<BranchProcess[]> {
    const daemon = await this.daemon(codebase, false);
    const processes = daemon ? await daemon.list() : [];
    const pattern = new RegExp(`^${codebase}-(\\d{5})$`);
    const entries = entryBranches(await readdir(this.folders(codebase).apps).catch(() => [] as string[]), codebase);
    const found = new Map<number, BranchProcess>();
    for (const p of processes) {
      const match = pattern.exec(p.name);
      if (!match) continue;
      const branch = Number(match[1]);
      const described = this.describe(codebase, branch, p);
      // A process with no entry that no start here waits for was started ahead of a build by an
      // engine that stopped during it: it waits for a build that will not come, and serves nothing.
      const orphan = !entries.includes(branch) && !this.starting.has(`${codebase}:${branch}`);
      found.set(branch, orphan ? { ...described, status: 'stopped' } : described);
    }
    for (const branch of entries)
      if (!found.has(branch))
        found.set(branch, { codebase, branch, status: 'sleeping', restarts: 0, pid: null, memoryBytes: null });
    for (const key of this.starting.keys()) {
      const [name, number] = key.split(':');
      const current = found.get(Number(number));
      if (name === codebase && current?.status !== 'online')
        found.set(Number(number), {
          ...(current ?? { codebase, branch: Number(number), restarts: 0, pid: null, memoryBytes: null }),
          status: 'waking',
        });
    }
    return [...found.values()].sort((a, b) => a.branch - b.branch);
  }

  private describe(codebase: string, branch: number, p: Pm2Process): BranchProcess {
    const waking = this.starting.has(`${codebase}:${branch}`) && p.pm2_env.status !== 'errored';
    return {
      codebase,
      branch,
      status: waking ? 'waking' : statusOf(p.pm2_env.status),
      restarts: p.pm2_env.restart_time,
      pid: p.pid || null,
      memoryBytes: p.monit?.memory ?? null,
    };
  }

  /** The last lines a branch wrote to its error output (or, when that is empty, its output). */
  async logs(codebase: string, branch: number, lines: number): Promise<string> {
    const read = (kind: 'err' | 'out') =>
      readFile(path.join(this.folders(codebase).logs, `${processName(codebase, branch)}.${kind}.log`), 'utf8').catch(
        () => '',
      );
    const text = (await read('err')).trim() || (await read('out')).trim();
    return text.split('\n').slice(-lines).join('\n');
  }

  /** Stops the processes of branches that no longer exist; returns their numbers. */
  async stopOrphans(codebase: string, exists: (branch: number) => boolean): Promise<number[]> {
    const orphans = (await this.list(codebase)).filter((p) => !exists(p.branch)).map((p) => p.branch);
    for (const branch of orphans) await this.stop(codebase, branch);
    return orphans;
  }

  /** Removes the codebase's PM2 (its container, or its daemon) and every branch in it. */
  async remove(codebase: string): Promise<void> {
    this.prepared.delete(codebase);
    (await this.daemons.get(codebase)?.catch(() => undefined))?.close();
    this.daemons.delete(codebase);
    await this.backend.remove(codebase);
    await rm(this.folders(codebase).sockets, { recursive: true, force: true });
  }

  /** What a clean exit of the engine leaves behind is nothing. */
  async removeAll(): Promise<void> {
    for (const codebase of await this.backend.codebases()) await this.remove(codebase);
  }

  /** Closes the connections to the daemons; what runs keeps running. */
  async close(): Promise<void> {
    for (const daemon of this.daemons.values()) (await daemon.catch(() => undefined))?.close();
    this.daemons.clear();
  }

  codebases(): Promise<string[]> {
    return this.backend.codebases();
  }
}

/** Deletes a process from PM2; one already gone (it ended, or another call deleted it) is no error. */
async function removeProcess(daemon: Pm2Daemon, id: number): Promise<void> {
  await daemon.call('deleteProcessId', id).catch((error: Error) => {
    if (!/id unknown/.test(error.message)) throw error;
  });
}

/** The socket file at a branch's path (its device and inode), or undefined when there is none. */
async function socketIdentity(socket: string): Promise<string | undefined> {
  const found = await stat(socket).catch(() => undefined);
  return found && `${found.dev}:${found.ino}`;
}

function processName(codebase: string, branch: number): string {
  return `${codebase}-${formatBranch(branch)}`;
}

function statusOf(status: string): BranchProcess['status'] {
  if (status === 'waiting restart') return 'restarting';
  return status === 'online' || status === 'stopped' || status === 'errored' || status === 'launching'
    ? status
    : 'unknown';
}
