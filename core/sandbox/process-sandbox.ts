// Without Docker: the command runs as a child process over a copy of the working tree, with the
// same wall-clock limit and a heap limit for Node.js, but with the host's network and files.
// Callers show this as "no isolation": a supervised command and the code it runs are one user.
import { spawn } from 'node:child_process';
import { ENGINE_MODULES } from '../runtime/index.ts';
import { CappedOutput, DEFAULT_MAX_OUTPUT } from './output.ts';
import type { Sandbox, SandboxLimits, SandboxResult, SandboxRun } from './types.ts';
import type { SandboxServer, ServeOptions } from './served.ts';
import { serveAsProcess } from './served.ts';
import { copyTree } from './work-copy.ts';

export class ProcessSandbox implements Sandbox {
  readonly isolation = 'none' as const;

  constructor(readonly limits: SandboxLimits) {}

  serve(options: ServeOptions): Promise<SandboxServer> {
    return serveAsProcess(this.limits, options);
  }

  async run(options: SandboxRun): Promise<SandboxResult> {
    const copy = await copyTree(options.from);
    const started = performance.now();
    try {
      const [command, ...args] = options.command({
        work: copy.dir,
        engineModules: ENGINE_MODULES.replace(/\/$/, ''),
        tools: options.tools ?? copy.dir,
        node: process.execPath,
        untrusted: null,
      });
      const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
      const stdout = new CappedOutput(max);
      const stderr = new CappedOutput(max);
      // Only what the command needs from the engine's environment: never its keys.
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: copy.dir,
        NODE_ENV: 'test',
        NODE_OPTIONS: `--max-old-space-size=${this.limits.memoryMb}`,
        ...options.env,
      };
      const child = spawn(command!, args, { cwd: copy.dir, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      // Closed at once, empty without options.stdin; a command that exits before reading it is no error.
      child.stdin.on('error', () => undefined).end(options.stdin ?? '');
      child.stdout.pipe(stdout);
      child.stderr.pipe(stderr);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        // The whole process group: a test runner's children go with it.
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      }, options.timeoutMs);
      const exitCode = await new Promise<number | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code) => resolve(code));
      }).finally(() => clearTimeout(timer));
      const err = stderr.text();
      return {
        exitCode: timedOut ? null : exitCode,
        stdout: stdout.text(),
        stderr: err,
        timedOut,
        outOfMemory: /JavaScript heap out of memory/.test(err),
        durationMs: performance.now() - started,
        isolation: 'none',
      };
    } finally {
      await copy.dispose();
    }
  }
}
