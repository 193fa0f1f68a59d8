// PM2 inside one Docker container per codebase: no network, memory/CPU/pids limits, a
// read-only root, never root. The engine's node_modules (PM2 and the stack) is mounted
// read-only; entries, builds, sockets and logs are host folders mounted in. Containers carry
// labels, so a restarted engine adopts them instead of starting new ones.
import { chown } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { ensureBaseImage, NODE_IN_IMAGE } from './base-image.ts';
import { BranchyardError } from '../errors/index.ts';
import { connectDocker, dockerSocket } from './docker.ts';
import { execIn } from './exec.ts';
import type { ExecResult } from './exec.ts';
import type { Pm2Backend, RunFolders, RuntimeOptions, ShellOptions, TtyStream } from './types.ts';

/** The engine's packages (PM2 and the stack), shared read-only with containers and sandboxes. */
export const ENGINE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const PM2 = [NODE_IN_IMAGE, '/engine/node_modules/pm2/bin/pm2'];
const LABEL_WORKSPACE = 'dev.branchyard.workspace';
const LABEL_CODEBASE = 'dev.branchyard.codebase';
const MOUNTS: Record<keyof RunFolders, string> = { apps: '/run/branchyard', builds: '/builds', sockets: '/sockets', logs: '/logs', databases: '/databases' };

export class DockerBackend implements Pm2Backend {
  readonly kind = 'docker' as const;
  readonly isolated = true;

  private constructor(
    private readonly docker: Docker,
    private readonly options: RuntimeOptions,
    private readonly image: string,
  ) {}

  static async open(options: RuntimeOptions): Promise<DockerBackend> {
    const docker = await connectDocker(options.env);
    return new DockerBackend(docker, options, options.image ?? (await ensureBaseImage(docker, options.events)));
  }

  containerName(codebase: string): string {
    const id = Buffer.from(this.options.workspace.root).toString('base64url').slice(-12).toLowerCase().replace(/[^a-z0-9]/g, 'x');
    return `branchyard-${id}-${codebase}`;
  }

  inside(_codebase: string, _folders: RunFolders, kind: keyof RunFolders): string {
    return MOUNTS[kind];
  }

  async running(codebase: string): Promise<boolean> {
    const info = await this.engine(() => this.docker.getContainer(this.containerName(codebase)).inspect()).catch((error: unknown) => {
      if ((error as { kind?: string }).kind === 'RuntimeUnavailableError') throw error;
      return undefined; // no such container
    });
    return info?.State.Running ?? false;
  }

  async prepare(codebase: string, folders: RunFolders): Promise<void> {
    const container = this.docker.getContainer(this.containerName(codebase));
    const info = await this.engine(() => container.inspect()).catch((error: unknown) => {
      if ((error as { kind?: string }).kind === 'RuntimeUnavailableError') throw error;
      return undefined;
    });
    if (info?.State.Running) return;
    if (info) {
      await container.start();
      return this.daemonReady(container, codebase);
    }
    this.options.events?.emit('progress', { task: `runtime:${codebase}`, step: 'container', message: `starting the container of ${codebase}`, done: 0, total: 1 });
    // Branch code never runs as root, even when the engine does: then it runs as nobody, and
    // the folders it writes are handed to nobody.
    const uid = process.getuid?.() ?? 65534;
    const user = uid === 0 ? '65534:65534' : `${uid}:${process.getgid?.() ?? uid}`;
    if (uid === 0) for (const dir of [folders.sockets, folders.logs]) await chown(dir, 65534, 65534);
    const created = await this.docker.createContainer({
      name: this.containerName(codebase),
      Image: this.image,
      User: user,
      Cmd: [NODE_IN_IMAGE, '/engine/node_modules/pm2/bin/pm2-runtime', 'start', `${MOUNTS.apps}/keepalive.config.cjs`],
      Env: ['HOME=/tmp', 'PM2_HOME=/tmp/pm2', 'NODE_ENV=production'],
      Labels: { [LABEL_WORKSPACE]: this.options.workspace.root, [LABEL_CODEBASE]: codebase },
      HostConfig: {
        NetworkMode: 'none',
        Memory: this.options.limits.memoryMb * 1024 * 1024,
        NanoCpus: Math.round(this.options.limits.cpus * 1e9),
        PidsLimit: this.options.limits.pids,
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,mode=1777' },
        Binds: [
          `${ENGINE_MODULES}:/engine/node_modules:ro`,
          `${folders.apps}:${MOUNTS.apps}:ro`,
          `${folders.builds}:${MOUNTS.builds}:ro`,
          `${folders.sockets}:${MOUNTS.sockets}:rw`,
          `${folders.logs}:${MOUNTS.logs}:rw`,
          // Connecting to a socket needs no write access to its file system.
          `${folders.databases}:${MOUNTS.databases}:ro`,
        ],
      },
    });
    await created.start();
    await this.daemonReady(created, codebase);
    this.options.events?.emit('progress', { task: `runtime:${codebase}`, step: 'container', message: `the container of ${codebase} is running`, done: 1, total: 1 });
  }

  async shell(codebase: string, options: ShellOptions): Promise<TtyStream> {
    const container = this.docker.getContainer(this.containerName(codebase));
    const exec = await this.engine(() =>
      container.exec({
        Cmd: ['/bin/sh'],
        Env: ['HOME=/tmp', 'PS1=$ ', 'TERM=xterm-256color', ...Object.entries(options.env).map(([k, v]) => `${k}=${v}`)],
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

  /**
   * Waits for pm2-runtime's daemon to listen. A `pm2` command run before then finds no daemon and
   * starts a second one of its own, and the two can leave the command hanging.
   */
  private async daemonReady(container: Docker.Container, codebase: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    const probe = [NODE_IN_IMAGE, '-e', "process.exit(require('fs').existsSync('/tmp/pm2/rpc.sock') && require('fs').existsSync('/tmp/pm2/pub.sock') ? 0 : 1)"];
    while (Date.now() < deadline) {
      if ((await this.engine(() => execIn(container, probe, { timeoutMs: 10_000 }))).code === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new BranchyardError('RuntimeError', `PM2 did not start inside the container of ${codebase} within 30 s; its output: docker logs ${this.containerName(codebase)}`);
  }

  pm2(codebase: string, args: string[]): Promise<ExecResult> {
    return this.engine(() => execIn(this.docker.getContainer(this.containerName(codebase)), [...PM2, ...args]));
  }

  /** Runs a call to the engine; the engine going away becomes an error that says so. */
  private async engine<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code && ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE'].includes(code)) {
        throw new BranchyardError('RuntimeUnavailableError', `the Docker engine at ${dockerSocket(this.options.env)} stopped answering (${code}); start it again, then run the branch again`, { cause: error });
      }
      throw error;
    }
  }

  async remove(codebase: string): Promise<void> {
    await this.docker.getContainer(this.containerName(codebase)).remove({ force: true }).catch(() => undefined);
  }

  async codebases(): Promise<string[]> {
    const all = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_WORKSPACE}=${this.options.workspace.root}`] } });
    return all.map((c) => c.Labels[LABEL_CODEBASE] ?? '').filter(Boolean);
  }
}
