// What a sandboxed command sees and gives back, the same for both ways of running it.

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
  run(options: SandboxRun): Promise<SandboxResult>;
}
