// Branches under PM2 in one Docker container per codebase. The container has no network; each
// branch process listens on a unix socket in a folder bind-mounted from the host, where the
// gateway reaches it. Starting, stopping or reloading one branch never touches another. After
// an engine restart the container and its processes are adopted by their labels, not started
// again.
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';
import { ensureBaseImage, NODE_IN_IMAGE } from './base-image.ts';
import { connectDocker } from './docker.ts';
import { execIn } from './exec.ts';
import { waitForHealth } from './health.ts';

const ENGINE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const PM2 = ['/engine/node_modules/pm2/bin/pm2'];
const LABEL_WORKSPACE = 'dev.branchyard.workspace';
/**
 * Restarts PM2 grants a branch that dies within two seconds of starting, before it counts as
 * failed. A branch that ran longer and then died is restarted without limit.
 */
const MAX_RESTARTS = 6;
const LABEL_CODEBASE = 'dev.branchyard.codebase';

export interface Limits {
  memoryMb: number;
  cpus: number;
  pids: number;
}

export interface BranchProcess {
  codebase: string;
  branch: number;
  status: 'online' | 'restarting' | 'stopped' | 'errored' | 'launching' | 'unknown';
  restarts: number;
  pid: number | null;
}

export interface DockerRuntimeOptions {
  workspace: WorkspacePaths;
  limits: Limits;
  env?: NodeJS.ProcessEnv;
  events?: EventBus;
  /** A registry image to use instead of the locally built one. */
  image?: string | null;
}

export class DockerRuntime {
  readonly kind = 'docker' as const;
  readonly isolated = true;
  private constructor(
    private readonly docker: Docker,
    private readonly options: DockerRuntimeOptions,
    private readonly image: string,
  ) {}

  static async open(options: DockerRuntimeOptions): Promise<DockerRuntime> {
    const docker = await connectDocker(options.env);
    const image = options.image ?? (await ensureBaseImage(docker, options.events));
    return new DockerRuntime(docker, options, image);
  }

  /** Folder on the host with the codebase's PM2 entries (mounted read-only at /run/branchyard). */
  runDir(codebase: string): string {
    return path.join(this.options.workspace.engineDir, 'run', codebase, 'pm2');
  }

  /** Folder on the host where PM2 writes each branch's output (mounted at /logs). */
  logsDir(codebase: string): string {
    return path.join(this.options.workspace.engineDir, 'run', codebase, 'logs');
  }

  /** Folder on the host holding a codebase's branch sockets (mounted at /sockets). */
  socketsDir(codebase: string): string {
    return path.join(this.options.workspace.engineDir, 'run', codebase, 'sockets');
  }

  socketPath(codebase: string, branch: number): string {
    return path.join(this.socketsDir(codebase), `${String(branch).padStart(5, '0')}.sock`);
  }

  containerName(codebase: string): string {
    const id = Buffer.from(this.options.workspace.root).toString('base64url').slice(-12).toLowerCase().replace(/[^a-z0-9]/g, 'x');
    return `branchyard-${id}-${codebase}`;
  }

  /** The codebase's container, adopted when it already runs, created and started otherwise. */
  async container(codebase: string): Promise<Docker.Container> {
    const name = this.containerName(codebase);
    const existing = this.docker.getContainer(name);
    const info = await existing.inspect().catch(() => undefined);
    if (info?.State.Running) return existing;
    if (info) {
      await existing.start();
      return existing;
    }
    this.options.events?.emit('progress', { task: `runtime:${codebase}`, step: 'container', message: `starting the container of ${codebase}`, done: 0, total: 1 });
    const runDir = this.runDir(codebase);
    await mkdir(runDir, { recursive: true });
    const buildsDir = path.join(this.options.workspace.engineDir, 'builds', codebase, 'out');
    await mkdir(this.socketsDir(codebase), { recursive: true });
    await mkdir(buildsDir, { recursive: true });
    // PM2 needs one app to keep running before any branch starts.
    await writeFile(path.join(runDir, 'keepalive.cjs'), 'setInterval(() => {}, 1 << 30);\n');
    await writeFile(path.join(runDir, 'ecosystem.config.cjs'), "module.exports = { apps: [{ name: 'branchyard-keepalive', script: '/run/branchyard/keepalive.cjs' }] };\n");
    // Branch code never runs as root, even when the engine does: then it runs as nobody, and
    // the sockets folder is handed to nobody so the branch can listen there.
    const uid = process.getuid?.() ?? 65534;
    const user = uid === 0 ? '65534:65534' : `${uid}:${process.getgid?.() ?? uid}`;
    await mkdir(this.logsDir(codebase), { recursive: true });
    if (uid === 0) {
      await chown(this.socketsDir(codebase), 65534, 65534);
      await chown(this.logsDir(codebase), 65534, 65534);
    }
    const container = await this.docker.createContainer({
      name,
      Image: this.image,
      User: user,
      Cmd: [NODE_IN_IMAGE, '/engine/node_modules/pm2/bin/pm2-runtime', 'start', '/run/branchyard/ecosystem.config.cjs'],
      Env: ['HOME=/tmp', 'PM2_HOME=/tmp/pm2', 'NODE_ENV=production'],
      Labels: { [LABEL_WORKSPACE]: this.options.workspace.root, [LABEL_CODEBASE]: codebase },
      HostConfig: {
        NetworkMode: 'none',
        Memory: this.options.limits.memoryMb * 1024 * 1024,
        NanoCpus: Math.round(this.options.limits.cpus * 1e9),
        PidsLimit: this.options.limits.pids,
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,mode=1777' },
        Binds: [`${ENGINE_MODULES}:/engine/node_modules:ro`, `${runDir}:/run/branchyard:ro`, `${buildsDir}:/builds:ro`, `${this.socketsDir(codebase)}:/sockets:rw`, `${this.logsDir(codebase)}:/logs:rw`],
      },
    });
    await container.start();
    return container;
  }

  /** Starts (or restarts) a branch from its built server and waits until its health route answers. */
  async start(codebase: string, branch: number, server: string): Promise<BranchProcess> {
    const buildsDir = path.join(this.options.workspace.engineDir, 'builds', codebase, 'out');
    const relative = path.relative(buildsDir, server);
    if (relative.startsWith('..')) throw new BranchyardError('RuntimeError', `${server} is not a build of codebase ${codebase}`);
    const container = await this.container(codebase);
    const name = processName(codebase, branch);
    const socket = this.socketPath(codebase, branch);
    await rm(socket, { force: true });
    await execIn(container, [NODE_IN_IMAGE, ...PM2, 'delete', name]);
    // The PM2 process entry: written on the host, read by PM2 through the read-only mount.
    const entry = {
      apps: [
        {
          name,
          // The build's launcher beside the server: it exits when the branch fails to load.
          script: `/builds/${path.join(path.dirname(relative), 'start.mjs')}`,
          env: { BRANCHYARD_SOCKET: `/sockets/${path.basename(socket)}`, BRANCHYARD_BRANCH: String(branch), NODE_ENV: 'production' },
          min_uptime: 2000,
          max_restarts: MAX_RESTARTS,
          kill_timeout: 5000,
          out_file: `/logs/${name}.out.log`,
          error_file: `/logs/${name}.err.log`,
          time: true,
        },
      ],
    };
    await mkdir(path.join(this.runDir(codebase), 'apps'), { recursive: true });
    await writeFile(path.join(this.runDir(codebase), 'apps', `${name}.json`), `${JSON.stringify(entry, null, 2)}\n`);
    const started = await execIn(container, [NODE_IN_IMAGE, ...PM2, 'start', `/run/branchyard/apps/${name}.json`]);
    if (started.code !== 0) throw new BranchyardError('RuntimeError', `PM2 could not start branch ${branch} of ${codebase}: ${started.stderr || started.stdout}`);
    const what = `branch ${String(branch).padStart(5, '0')} of ${codebase}`;
    // Healthy, or given up on by PM2 after crashing in a loop: whichever comes first.
    const failed = async () => {
      const current = (await this.list(codebase)).find((p) => p.branch === branch);
      if (current?.status !== 'errored') return undefined;
      return new BranchyardError('RuntimeError', `${what} crashed ${current.restarts} times in a row and was stopped; its last log lines:\n${await this.logs(codebase, branch, 15)}`);
    };
    await waitForHealth(socket, 60_000, what, failed);
    return (await this.list(codebase)).find((p) => p.branch === branch) ?? { codebase, branch, status: 'online', restarts: 0, pid: null };
  }

  /** The last lines a branch wrote to its error output (or, when that is empty, its output). */
  async logs(codebase: string, branch: number, lines: number): Promise<string> {
    const read = (kind: 'err' | 'out') => readFile(path.join(this.logsDir(codebase), `${processName(codebase, branch)}.${kind}.log`), 'utf8').catch(() => '');
    const text = (await read('err')).trim() || (await read('out')).trim();
    return text.split('\n').slice(-lines).join('\n');
  }

  async stop(codebase: string, branch: number): Promise<void> {
    const container = await this.container(codebase);
    await execIn(container, [NODE_IN_IMAGE, ...PM2, 'delete', processName(codebase, branch)]);
    await rm(this.socketPath(codebase, branch), { force: true });
  }

  async list(codebase: string): Promise<BranchProcess[]> {
    const container = this.docker.getContainer(this.containerName(codebase));
    const running = await container.inspect().then((i) => i.State.Running, () => false);
    if (!running) return [];
    const result = await execIn(container, [NODE_IN_IMAGE, ...PM2, 'jlist'], { env: ['HOME=/tmp', 'PM2_HOME=/tmp/pm2'] });
    const apps = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as Array<{ name: string; pid: number; pm2_env: { status: string; restart_time: number } }>;
    return apps
      .map((app) => ({ app, match: new RegExp(`^${codebase}-(\\d{5})$`).exec(app.name) }))
      .filter((x) => x.match)
      .map(({ app, match }) => ({ codebase, branch: Number(match![1]), status: statusOf(app.pm2_env.status), restarts: app.pm2_env.restart_time, pid: app.pid || null }));
  }

  /** Removes the codebase's container and every branch in it. */
  async remove(codebase: string): Promise<void> {
    await this.docker.getContainer(this.containerName(codebase)).remove({ force: true }).catch(() => undefined);
    await rm(this.socketsDir(codebase), { recursive: true, force: true });
  }

  /** Removes every container of this workspace: what a clean exit of the engine leaves behind is nothing. */
  async removeAll(): Promise<void> {
    for (const codebase of (await this.containers()).keys()) await this.remove(codebase);
  }

  /** Containers of this workspace, by codebase, as labelled when they were made. */
  async containers(): Promise<Map<string, string>> {
    const all = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_WORKSPACE}=${this.options.workspace.root}`] } });
    return new Map(all.map((c) => [c.Labels[LABEL_CODEBASE] ?? '', c.Id]));
  }
}

function processName(codebase: string, branch: number): string {
  return `${codebase}-${String(branch).padStart(5, '0')}`;
}

function statusOf(status: string): BranchProcess['status'] {
  if (status === 'waiting restart') return 'restarting';
  return status === 'online' || status === 'stopped' || status === 'errored' || status === 'launching' ? status : 'unknown';
}
