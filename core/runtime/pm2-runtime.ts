// Branches as PM2 processes, one PM2 per codebase, whichever backend runs it (a Docker
// container, or this machine without isolation). Each branch listens on a unix socket in a host
// folder, where the gateway reaches it; it counts as running only once its health route
// answers. Starting, stopping or reloading one branch never touches another.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';
import { formatBranch } from '../git/index.ts';
import { DockerBackend } from './docker-backend.ts';
import { waitForHealth } from './health.ts';
import { HostBackend } from './host-backend.ts';
import { Turns } from './turns.ts';
import type { BranchProcess, Pm2Backend, RunFolders, RuntimeOptions, TtyStream } from './types.ts';
import type { WorkspacePaths } from '../workspace/index.ts';

/**
 * Restarts PM2 grants a branch that dies within two seconds of starting, before it counts as
 * failed. A branch that ran longer and then died is restarted without limit.
 */
const MAX_RESTARTS = 6;

export class Pm2Runtime {
  /**
   * Operations on one branch take turns (key `branch:<codebase>:<n>`), and so do PM2 commands
   * into one codebase's PM2 (`pm2:<codebase>`) and preparing its container (`prepare:…`): two
   * starts of one branch at once (a `run` beside a gateway starting the branch it follows) once
   * interleaved their `pm2 delete` and `pm2 start` and left a command hanging.
   */
  private readonly turns = new Turns();
  /** Starts under way, by branch: a second start of the same build joins the first. */
  private readonly starting = new Map<string, { identity: string; done: Promise<BranchProcess> }>();

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
    const keepalive = path.join(this.backend.inside(codebase, folders, 'apps'), 'keepalive.cjs');
    await writeFile(path.join(folders.apps, 'keepalive.config.cjs'), `module.exports = { apps: [{ name: 'branchyard-keepalive', script: ${JSON.stringify(keepalive)} }] };\n`);
    await this.backend.prepare(codebase, folders);
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
    if (!this.backend.shell) throw new BranchyardError('RuntimeUnavailableError', `branches of ${codebase} run on this machine without Docker, so there is no container to open a terminal in; open a terminal on the host instead`);
    await this.prepare(codebase);
    return this.backend.shell(codebase, { ...options, cwd: this.backend.inside(codebase, this.folders(codebase), 'builds'), env: { BRANCHYARD_BRANCH: String(branch) } });
  }

  /**
   * Starts (or restarts) a branch from its built server and waits until its health route
   * answers. A start of the same build and settings while one is under way joins it; any other
   * waits for it to finish, then starts again.
   */
  start(codebase: string, branch: number, server: string, extraEnv: Record<string, string> = {}): Promise<BranchProcess> {
    const key = `${codebase}:${branch}`;
    const identity = JSON.stringify([server, Object.entries(extraEnv).sort(([a], [b]) => a.localeCompare(b))]);
    const under = this.starting.get(key);
    if (under?.identity === identity) return under.done;
    const done = this.turns.run(`branch:${key}`, () => this.startNow(codebase, branch, server, extraEnv));
    const entry = { identity, done };
    this.starting.set(key, entry);
    const forget = () => {
      if (this.starting.get(key) === entry) this.starting.delete(key);
    };
    done.then(forget, forget);
    return done;
  }

  private async startNow(codebase: string, branch: number, server: string, extraEnv: Record<string, string>): Promise<BranchProcess> {
    const folders = this.folders(codebase);
    const relative = path.relative(folders.builds, server);
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new BranchyardError('RuntimeError', `${server} is not a build of codebase ${codebase}`);
    await this.prepare(codebase);
    const name = processName(codebase, branch);
    const socket = this.socketPath(codebase, branch);
    await this.pm2(codebase, ['delete', name]);
    await rm(socket, { force: true });
    const inside = (kind: keyof RunFolders, file: string) => path.join(this.backend.inside(codebase, folders, kind), file);
    // The PM2 process entry. The script is the build's launcher beside the server: it exits when
    // the branch fails to load, so PM2 sees the crash.
    const entry = {
      apps: [
        {
          name,
          script: inside('builds', path.join(path.dirname(relative), 'start.mjs')),
          env: { ...extraEnv, BRANCHYARD_SOCKET: inside('sockets', `${formatBranch(branch)}.sock`), BRANCHYARD_BRANCH: String(branch), NODE_ENV: 'production' },
          min_uptime: 2000,
          max_restarts: MAX_RESTARTS,
          kill_timeout: 5000,
          out_file: inside('logs', `${name}.out.log`),
          error_file: inside('logs', `${name}.err.log`),
          time: true,
        },
      ],
    };
    await writeFile(path.join(folders.apps, `${name}.json`), `${JSON.stringify(entry, null, 2)}\n`);
    const started = await this.pm2(codebase, ['start', inside('apps', `${name}.json`)]);
    if (started.code !== 0) throw new BranchyardError('RuntimeError', `PM2 could not start branch ${formatBranch(branch)} of ${codebase}: ${started.stderr || started.stdout}`);

    const what = `branch ${formatBranch(branch)} of ${codebase}`;
    // Healthy, or given up on by PM2 after crashing in a loop: whichever comes first.
    const failed = async () => {
      const current = (await this.list(codebase)).find((p) => p.branch === branch);
      if (current?.status !== 'errored') return undefined;
      return new BranchyardError('RuntimeError', `${what} crashed ${current.restarts} times in a row and was stopped; its last log lines:\n${await this.logs(codebase, branch, 15)}`);
    };
    await waitForHealth(socket, 60_000, what, failed);
    return (await this.list(codebase)).find((p) => p.branch === branch) ?? { codebase, branch, status: 'online', restarts: 0, pid: null };
  }

  stop(codebase: string, branch: number): Promise<void> {
    return this.turns.run(`branch:${codebase}:${branch}`, async () => {
      if (await this.backend.running(codebase)) await this.pm2(codebase, ['delete', processName(codebase, branch)]);
      await rm(this.socketPath(codebase, branch), { force: true });
    });
  }

  /** One PM2 command at a time into a codebase's PM2: its CLI clients do not expect company. */
  private pm2(codebase: string, args: string[]) {
    return this.turns.run(`pm2:${codebase}`, () => this.backend.pm2(codebase, args));
  }

  async list(codebase: string): Promise<BranchProcess[]> {
    if (!(await this.backend.running(codebase))) return [];
    const result = await this.pm2(codebase, ['jlist']);
    // jlist prints the list as one JSON line, after any notices PM2 has to give.
    const line = result.stdout.trim().split('\n').reverse().find((l) => l.startsWith('[{') || l === '[]');
    if (!line) throw new BranchyardError('RuntimeError', `PM2 did not list the processes of ${codebase}: ${result.stderr || result.stdout}`);
    const apps = JSON.parse(line) as Array<{ name: string; pid: number; pm2_env: { status: string; restart_time: number } }>;
    const pattern = new RegExp(`^${codebase}-(\\d{5})$`);
    return apps.flatMap((app) => {
      const match = pattern.exec(app.name);
      return match ? [{ codebase, branch: Number(match[1]), status: statusOf(app.pm2_env.status), restarts: app.pm2_env.restart_time, pid: app.pid || null }] : [];
    });
  }

  /** The last lines a branch wrote to its error output (or, when that is empty, its output). */
  async logs(codebase: string, branch: number, lines: number): Promise<string> {
    const read = (kind: 'err' | 'out') => readFile(path.join(this.folders(codebase).logs, `${processName(codebase, branch)}.${kind}.log`), 'utf8').catch(() => '');
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
    await this.backend.remove(codebase);
    await rm(this.folders(codebase).sockets, { recursive: true, force: true });
  }

  /** What a clean exit of the engine leaves behind is nothing. */
  async removeAll(): Promise<void> {
    for (const codebase of await this.backend.codebases()) await this.remove(codebase);
  }

  codebases(): Promise<string[]> {
    return this.backend.codebases();
  }
}

function processName(codebase: string, branch: number): string {
  return `${codebase}-${formatBranch(branch)}`;
}

function statusOf(status: string): BranchProcess['status'] {
  if (status === 'waiting restart') return 'restarting';
  return status === 'online' || status === 'stopped' || status === 'errored' || status === 'launching' ? status : 'unknown';
}

/** Where a codebase's branch processes keep their entries, sockets and logs on the host. */
export function runFolders(workspace: WorkspacePaths, codebase: string): RunFolders {
  const run = path.join(workspace.engineDir, 'run', codebase);
  return {
    apps: path.join(run, 'pm2'),
    sockets: path.join(run, 'sockets'),
    logs: path.join(run, 'logs'),
    builds: path.join(workspace.engineDir, 'builds', codebase, 'out'),
    databases: workspace.databaseSocketsDir,
  };
}

/** The unix socket a branch listens on, whichever backend runs it: what gateways connect to. */
export function branchSocketPath(workspace: WorkspacePaths, codebase: string, branch: number): string {
  return path.join(runFolders(workspace, codebase).sockets, `${formatBranch(branch)}.sock`);
}
