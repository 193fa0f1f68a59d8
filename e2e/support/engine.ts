// Runs the real `branchyard` CLI as its own process, the way a user starts it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runBranchyard } from '../../core/testing/index.ts';

export { expectOk } from '../../core/testing/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = `${ROOT}bin/branchyard.js`;

export function runCli(args: string[]) {
  return runBranchyard(args);
}

export interface ServeProcess {
  url: string;
  loginUrl: string;
  port: number;
  token: string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** `branchyard serve --port 0 --json`, resolved once it printed where it listens. */
export async function startServeProcess(workspace: string, env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [BIN, '--workspace', workspace, 'serve', '--port', '0', '--no-autostart', '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = await new Promise<{ url: string; loginUrl: string; port: number }>((resolve, reject) => {
    // Generous: on a machine shared by several test runs a cold start (tsx compiling the engine) took 50 s.
    const timer = setTimeout(() => reject(new Error(`serve did not start within 180 s: ${stderr}`)), 180_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        resolve(JSON.parse(stdout) as { url: string; loginUrl: string; port: number });
        clearTimeout(timer);
      } catch {
        // not a whole document yet
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const token = new URL(ready.loginUrl).searchParams.get('token')!;
  return {
    ...ready,
    token,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}
