// PM2 inside one Docker container per codebase: no network, memory/CPU/pids limits, a
// read-only root, never root. The engine's node_modules (PM2 and the stack) is mounted
// read-only; entries, builds, sockets and logs are host folders mounted in. Containers carry
// labels, so a restarted engine adopts them instead of starting new ones, and only its own.
import { createHash } from 'node:crypto';
import { chown, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { ensureBaseImage, NODE_IN_IMAGE } from './base-image.ts';
import { BranchyardError } from '../errors/index.ts';
import { connectDocker, dockerSocket } from './docker.ts';
import { daemonStarted } from './pm2-daemon.ts';
import type { Pm2Backend, RunFolders, RuntimeOptions, ShellOptions, TtyStream } from './types.ts';

/** The engine's packages (PM2 and the stack), shared read-only with containers and sandboxes. */
export const ENGINE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const ENGINE_MODULES_INSIDE = '/engine/node_modules';
const LABEL_WORKSPACE = 'dev.branchyard.workspace';
const LABEL_CODEBASE = 'dev.branchyard.codebase';
/**
 * How the container is laid out; one made by an engine with another layout is replaced. Layout
 * 2 keeps PM2_HOME in a host folder, so the engine reaches PM2's RPC socket without docker exec.
 */
const LABEL_LAYOUT = 'dev.branchyard.layout';
const LAYOUT = '2';
const MOUNTS: Record<keyof RunFolders, string> = {
  apps: '/run/branchyard',
  builds: '/builds',
  sockets: '/sockets',
  logs: '/logs',
  databases: '/databases',
  home: '/pm2',
};

export class DockerBackend implements Pm2Backend {
  readonly kind = 'docker' as const;
  readonly isolated = true;
  readonly node = NODE_IN_IMAGE;

  private constructor(
    private readonly docker: Docker,
    private readonly options: RuntimeOptions,
    private readonly image: string,
    /** The workspace's real path: what its containers are labelled with and named after. */
    private readonly workspace: string,
  ) {}

  static async open(options: RuntimeOptions): Promise<DockerBackend> {
    const docker = await connectDocker(options.env);
    const workspace = await realpath(options.workspace.root).catch(() => path.resolve(options.workspace.root));
    return new DockerBackend(
      docker,
      options,
      options.image ?? (await ensureBaseImage(docker, options.events)),
      workspace,
    );
  }

  /**
   * One container per codebase per workspace, named after a hash of the workspace's real path.
   * The path is the container's identity because its mounts are host folders of the workspace,
   * by path: a moved workspace cannot use its old container anyway, and a copy or a second clone
   * (which may carry .branchyard/ along) must never share one, as a random id kept in
   * .branchyard/ would make them. Older versions named containers after the path's last 9
   * bytes, so ~/a/proj/shop and ~/b/proj/shop shared one; those names are never looked up now.
   */
  containerName(codebase: string): string {
    const id = createHash('sha256').update(this.workspace).digest('hex').slice(0, 16);
    return `branchyard-${id}-${codebase}`;
  }

  private ours(info: Docker.ContainerInspectInfo, codebase: string): boolean {
    const labels = info.Config.Labels ?? {};
    return labels[LABEL_WORKSPACE] === this.workspace && labels[LABEL_CODEBASE] === codebase;
  }

  /** The codebase's container when it exists; one of that name that is not ours is never used. */
  private async inspect(codebase: string): Promise<Docker.ContainerInspectInfo | undefined> {
    return this.engine(() => this.docker.getContainer(this.containerName(codebase)).inspect()).catch(
      (error: unknown) => {
        if ((error as { kind?: string }).kind === 'RuntimeUnavailableError') throw error;
        return undefined; // no such container
      },
    );
  }

  inside(_codebase: string, _folders: RunFolders, kind: keyof RunFolders): string {
    return MOUNTS[kind];
  }

  engineFile(file: string): string | undefined {
    const relative = path.relative(ENGINE_MODULES, file);
    return relative.startsWith('..') || path.isAbsolute(relative)
      ? undefined
      : path.posix.join(ENGINE_MODULES_INSIDE, ...relative.split(path.sep));
  }

  async prepare(codebase: string, folders: RunFolders): Promise<void> {
    const name = this.containerName(codebase);
    const container = this.docker.getContainer(name);
    const info = await this.inspect(codebase);
    if (info && !this.ours(info, codebase)) {
      // Refused, not replaced: removing it would stop another workspace's branches.
      const owner = info.Config.Labels?.[LABEL_WORKSPACE];
      const whose = owner
        ? `codebase ${info.Config.Labels?.[LABEL_CODEBASE] ?? '?'} of the workspace at ${owner}`
        : 'no Branchyard workspace (it has no workspace label)';
      throw new BranchyardError(
        'RuntimeError',
        `the container ${name} that branches of ${codebase} run in belongs to ${whose}, not to ${this.workspace}; it is left alone. Remove it (docker rm -f ${name}) if nothing uses it, then run the branch again`,
      );
    }
    if (info && info.Config.Labels?.[LABEL_LAYOUT] === LAYOUT) {
      if (info.State.Running) return;
      await container.start();
      return this.daemonReady(codebase, folders);
    }
    // A container of this workspace and codebase under another name was made by an older
    // version: its processes still hold our sockets folder, so it goes before a new one starts.
    await this.removeLabelled(codebase);
    this.options.events?.emit('progress', {
      task: `runtime:${codebase}`,
      step: 'container',
      message: `starting the container of ${codebase}`,
      done: 0,
      total: 1,
    });
    // Branch code never runs as root, even when the engine does: then it runs as nobody, and
    // the folders it writes are handed to nobody.
    const uid = process.getuid?.() ?? 65534;
    const user = uid === 0 ? '65534:65534' : `${uid}:${process.getgid?.() ?? uid}`;
    if (uid === 0) for (const dir of [folders.sockets, folders.logs, folders.home]) await chown(dir, 65534, 65534);
    const created = await this.docker.createContainer({
      name: this.containerName(codebase),
      Image: this.image,
      User: user,
      Cmd: [
        NODE_IN_IMAGE,
        `${ENGINE_MODULES_INSIDE}/pm2/bin/pm2-runtime`,
        'start',
        `${MOUNTS.apps}/keepalive.config.cjs`,
      ],
      Env: ['HOME=/tmp', `PM2_HOME=${MOUNTS.home}`, 'NODE_ENV=production'],
      Labels: { [LABEL_WORKSPACE]: this.workspace, [LABEL_CODEBASE]: codebase, [LABEL_LAYOUT]: LAYOUT },
      HostConfig: {
        NetworkMode: 'none',
        Memory: this.options.limits.memoryMb * 1024 * 1024,
        NanoCpus: Math.round(this.options.limits.cpus * 1e9),
        PidsLimit: this.options.limits.pids,
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,mode=1777' },
        Binds: [
          `${ENGINE_MODULES}:${ENGINE_MODULES_INSIDE}:ro`,
          `${folders.apps}:${MOUNTS.apps}:ro`,
          `${folders.builds}:${MOUNTS.builds}:ro`,
          `${folders.sockets}:${MOUNTS.sockets}:rw`,
          `${folders.logs}:${MOUNTS.logs}:rw`,
          `${folders.home}:${MOUNTS.home}:rw`,
          // Connecting to a socket needs no write access to its file system.
          `${folders.databases}:${MOUNTS.databases}:ro`,
        ],
      },
    });
    await created.start();
    await this.daemonReady(codebase, folders);
    this.options.events?.emit('progress', {
      task: `runtime:${codebase}`,
      step: 'container',
      message: `the container of ${codebase} is running`,
      done: 1,
      total: 1,
    });
  }

  async shell(codebase: string, options: ShellOptions): Promise<TtyStream> {
    const container = this.docker.getContainer(this.containerName(codebase));
    const exec = await this.engine(() =>
      container.exec({
        Cmd: ['/bin/sh'],
        Env: [
          'HOME=/tmp',
          'PS1=$ ',
          'TERM=xterm-256color',
          ...Object.entries(options.env).map(([k, v]) => `${k}=${v}`),
        ],
        WorkingDir: options.cwd,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: true,
      }),
    );
    const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
    await exec.resize({ w: options.cols, h: options.rows }).catch(() => undefined);
    const exits: Array<(code: number | null) => void> = [];
    stream.on('close', () => {
      void exec.inspect().then(
        (info) => exits.forEach((l) => l(info.ExitCode ?? null)),
        () => exits.forEach((l) => l(null)),
      );
    });
    return {
      write: (data) => stream.write(data),
      resize: async (cols, rows) => {
        await exec.resize({ w: cols, h: rows });
      },
      onData: (listener) => stream.on('data', (chunk: Buffer) => listener(chunk.toString('utf8'))),
      onExit: (listener) => exits.push(listener),
      kill: () => stream.destroy(),
    };
  }

  /** Waits for pm2-runtime's daemon to listen on its sockets in the mounted home. */
  private async daemonReady(codebase: string, folders: RunFolders): Promise<void> {
    const running = async () => (await this.inspect(codebase))?.State.Running === true;
    if (await daemonStarted(folders.home, 30_000, running)) return;
    throw new BranchyardError(
      'RuntimeError',
      `PM2 did not start inside the container of ${codebase} within 30 s; its output: docker logs ${this.containerName(codebase)}`,
    );
  }

  /** Runs a call to the engine; the engine going away becomes an error that says so. */
  private async engine<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code && ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE'].includes(code)) {
        throw new BranchyardError(
          'RuntimeUnavailableError',
          `the Docker engine at ${dockerSocket(this.options.env)} stopped answering (${code}); start it again, then run the branch again`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Removes the codebase's containers found by their labels, so never another workspace's. */
  async remove(codebase: string): Promise<void> {
    await this.removeLabelled(codebase);
  }

  private async removeLabelled(codebase: string): Promise<void> {
    const all = await this.engine(() =>
      this.docker.listContainers({
        all: true,
        filters: { label: [`${LABEL_WORKSPACE}=${this.workspace}`, `${LABEL_CODEBASE}=${codebase}`] },
      }),
    );
    for (const found of all)
      await this.docker
        .getContainer(found.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }

  async codebases(): Promise<string[]> {
    const all = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_WORKSPACE}=${this.workspace}`] },
    });
    return [...new Set(all.map((c) => c.Labels[LABEL_CODEBASE] ?? '').filter(Boolean))];
  }
}
