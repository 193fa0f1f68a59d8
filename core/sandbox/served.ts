// A server the engine does not trust, kept running in the sandbox while the engine calls it:
// a branch's bundled server under the same limits as a sandboxed command (no network, memory,
// CPUs, processes, a read-only root), listening on a unix socket in a folder of the engine's
// that is mounted in. The engine talks to it only through that socket, and decides everything
// it reports from the outside.
import { spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { BranchyardError } from '../errors/index.ts';
import { NODE_IN_IMAGE } from '../runtime/index.ts';
import { CappedOutput } from './output.ts';
import type { SandboxLimits } from './types.ts';

export interface ServeOptions {
  /** The folder of the server (mounted read-only), and its entry file in it. */
  dir: string;
  entry: string;
  env?: Record<string, string>;
  /** How long it may take to listen. */
  startTimeoutMs: number;
}

export interface SandboxServer {
  /** The unix socket it listens on, as the engine reaches it. */
  socket: string;
  /** What it printed so far (cut), for a report when it failed. */
  output(): string;
  /** Whether it is still running. */
  alive(): boolean;
  dispose(): Promise<void>;
}

const MAX_OUTPUT = 64 * 1024;
const SOCKET = 'branch.sock';

export async function serveInContainer(
  docker: Docker,
  image: string,
  limits: SandboxLimits,
  options: ServeOptions,
): Promise<SandboxServer> {
  const socketDir = await mkdtemp(path.join(os.tmpdir(), 'branchyard-served-'));
  const uid = process.getuid?.() ?? 65534;
  const user = uid === 0 ? 65534 : uid;
  const group = uid === 0 ? 65534 : (process.getgid?.() ?? user);
  // The server (nobody, as root) makes its socket here; nothing else of the engine's is mounted writable.
  if (uid === 0) await chown(socketDir, user, group);
  await chmod(socketDir, 0o700);
  const output = new CappedOutput(MAX_OUTPUT);
  let exited = false;
  let container: Docker.Container | undefined;
  const dispose = async () => {
    await container?.remove({ force: true }).catch(() => undefined);
    await rm(socketDir, { recursive: true, force: true });
  };
  try {
    container = await docker.createContainer({
      Image: image,
      User: `${user}:${group}`,
      Cmd: [NODE_IN_IMAGE, `/app/${options.entry}`],
      WorkingDir: '/app',
      Env: [
        'HOME=/tmp',
        'NODE_ENV=production',
        `BRANCHYARD_SOCKET=/run/branch/${SOCKET}`,
        ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ],
      Labels: { 'dev.branchyard.sandbox': 'true' },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        Memory: limits.memoryMb * 1024 * 1024,
        MemorySwap: limits.memoryMb * 1024 * 1024,
        NanoCpus: Math.round(limits.cpus * 1e9),
        PidsLimit: limits.pids,
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Tmpfs: { '/tmp': 'rw,mode=1777,size=64m' },
        Binds: [`${options.dir}:/app:ro`, `${socketDir}:/run/branch:rw`],
      },
    });
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    container.modem.demuxStream(stream, output, output);
    await container.start();
    void container.wait().then(
      () => (exited = true),
      () => (exited = true),
    );
    const socket = path.join(socketDir, SOCKET);
    await waitForSocket(
      socket,
      options.startTimeoutMs,
      () => exited,
      () => output.text(),
    );
    return { socket, output: () => output.text(), alive: () => !exited, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Without Docker: a child process with a heap limit, labelled as having no isolation by the caller. */
export async function serveAsProcess(limits: SandboxLimits, options: ServeOptions): Promise<SandboxServer> {
  const socketDir = await mkdtemp(path.join(os.tmpdir(), 'branchyard-served-'));
  const socket = path.join(socketDir, SOCKET);
  const output = new CappedOutput(MAX_OUTPUT);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: socketDir,
    NODE_ENV: 'production',
    NODE_OPTIONS: `--max-old-space-size=${limits.memoryMb}`,
    BRANCHYARD_SOCKET: socket,
    ...options.env,
  };
  const child = spawn(process.execPath, [path.join(options.dir, options.entry)], {
    cwd: options.dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  child.stdout.pipe(output);
  child.stderr.pipe(output);
  const dispose = async () => {
    if (!exited) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await rm(socketDir, { recursive: true, force: true });
  };
  try {
    await waitForSocket(
      socket,
      options.startTimeoutMs,
      () => exited,
      () => output.text(),
    );
  } catch (error) {
    await dispose();
    throw error;
  }
  return { socket, output: () => output.text(), alive: () => !exited, dispose };
}

/** Until a connection to the socket is accepted: the server's own readiness, not a sleep. */
async function waitForSocket(
  socket: string,
  timeoutMs: number,
  exited: () => boolean,
  output: () => string,
): Promise<void> {
  const started = Date.now();
  for (let wait = 10; ; wait = Math.min(wait * 2, 100)) {
    if (await connects(socket)) return;
    if (exited())
      throw new BranchyardError(
        'RuntimeError',
        `the branch's server stopped before it listened:\n${output().slice(-2000)}`,
      );
    if (Date.now() - started > timeoutMs)
      throw new BranchyardError(
        'RuntimeError',
        `the branch's server did not listen within ${Math.round(timeoutMs / 1000)} s:\n${output().slice(-2000)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

function connects(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = net.connect(socket);
    connection.once('connect', () => (connection.destroy(), resolve(true)));
    connection.once('error', () => resolve(false));
  });
}
