// What every runtime offers, whichever way it isolates branches.
import type { EventBus } from '../events/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';

export interface Limits {
  memoryMb: number;
  cpus: number;
  pids: number;
}

export interface BranchProcess {
  codebase: string;
  branch: number;
  /** PM2's status, or 'waking' while it starts and answers, or 'sleeping': stopped when idle, woken by its next request. */
  status: 'online' | 'restarting' | 'stopped' | 'errored' | 'launching' | 'unknown' | 'waking' | 'sleeping';
  restarts: number;
  pid: number | null;
  /** Resident memory as PM2 last measured it. */
  memoryBytes: number | null;
}

export interface RuntimeOptions {
  workspace: WorkspacePaths;
  limits: Limits;
  env?: NodeJS.ProcessEnv;
  events?: EventBus;
  /** A registry image to use instead of the locally built one (Docker only). */
  image?: string | null;
}

/** The folders of one codebase's runtime, on the host. */
export interface RunFolders {
  /** PM2 process entries. */
  apps: string;
  sockets: string;
  logs: string;
  builds: string;
  /** The sockets of the workspace's embedded databases, one folder each (shared by codebases). */
  databases: string;
  /** PM2_HOME of the codebase's daemon: its RPC and event sockets are reached here from the host. */
  home: string;
}

/**
 * Where PM2 runs for a codebase and how it sees the host's folders. The Docker backend runs it
 * in the codebase's container (folders mounted); the host backend runs a PM2 daemon of the
 * workspace's own on this machine, with no isolation.
 */
export interface Pm2Backend {
  readonly kind: 'docker' | 'host';
  readonly isolated: boolean;
  /** The Node.js binary as PM2 sees it: what it starts branch processes with. */
  readonly node: string;
  /**
   * Makes sure PM2 runs for the codebase with its home in `folders.home` (adopting what already
   * runs there); once it resolves, the daemon's sockets in that folder answer.
   */
  prepare(codebase: string, folders: RunFolders): Promise<void>;
  /** A host folder as PM2 sees it. */
  inside(codebase: string, folders: RunFolders, kind: keyof RunFolders): string;
  /** A file among the engine's own packages as PM2 sees it; undefined when it cannot see it. */
  engineFile(file: string): string | undefined;
  remove(codebase: string): Promise<void>;
  /** Codebases of this workspace that have PM2 running (or a container) now. */
  codebases(): Promise<string[]>;
  /** An interactive shell with a TTY in the codebase's container (Docker only). */
  shell?(codebase: string, options: ShellOptions): Promise<TtyStream>;
}

export interface ShellOptions {
  cols: number;
  rows: number;
  /** The folder it starts in, as the container sees it. */
  cwd: string;
  env: Record<string, string>;
}

/** A running TTY: bytes in and out, its size, and its end. */
export interface TtyStream {
  write(data: string): void;
  resize(cols: number, rows: number): Promise<void>;
  onData(listener: (data: string) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}
