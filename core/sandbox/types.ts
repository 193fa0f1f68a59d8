// What a sandboxed command sees and gives back, the same for both ways of running it.
import type { SandboxServer, ServeOptions } from './served.ts';

export interface SandboxLimits {
  memoryMb: number;
  cpus: number;
  pids: number;
}

/** Where things are, as the command inside sees them. */
export interface SandboxLayout {
  /** The copy of the working tree (the command's working directory, writable). */
  work: string;
  /** The engine's node_modules, read-only. */
  engineModules: string;
  /** The folder of `tools` (see SandboxRun), read-only. */
  tools: string;
  /** The Node.js binary. */
  node: string;
  /**
   * With `supervised`: the user the command must run the code it does not trust as. The command
   * itself runs as another user, which that one can neither signal, trace nor write to. Null when
   * the sandbox cannot separate them (the process sandbox: everything runs as the engine's user).
   */
  untrusted: { uid: number; gid: number } | null;
}

export interface SandboxRun {
  /** The working tree to copy in; the original is never touched. */
  from: string;
  /** A folder of the engine's own scripts the command needs, shared read-only. */
  tools?: string;
  command: (layout: SandboxLayout) => string[];
  timeoutMs: number;
  env?: Record<string, string>;
  /** Bytes of stdout and of stderr kept; the rest is counted and dropped. */
  maxOutputBytes?: number;
  /**
   * The command supervises code it does not trust (a branch's tests): in a container it starts as
   * root with only the capabilities to switch users and to end processes, and runs that code as
   * `layout.untrusted`, so its own output and exit stay out of that code's reach.
   */
  supervised?: boolean;
  /** Written to the command's stdin, then closed (the process sandbox only: a secret its children never see). */
  stdin?: string;
}

export interface SandboxResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  outOfMemory: boolean;
  durationMs: number;
  /** `container`: no network, limits enforced by the kernel; `none`: a child process on the host. */
  isolation: 'container' | 'none';
}

export interface Sandbox {
  readonly isolation: 'container' | 'none';
  readonly limits: SandboxLimits;
  run(options: SandboxRun): Promise<SandboxResult>;
  /** Keeps a server the engine does not trust running under the same limits, reached by a unix socket. */
  serve(options: ServeOptions): Promise<SandboxServer>;
}
