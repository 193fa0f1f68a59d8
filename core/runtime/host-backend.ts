// PM2 on this machine, for where Docker is not available: one PM2 daemon per codebase with its
// own home under .branchyard/run, so it never mixes with a user's own PM2. Branches run with no
// isolation, and every place that shows them says so.
import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecResult } from './exec.ts';
import type { Pm2Backend, RunFolders, RuntimeOptions } from './types.ts';

const PM2_BIN = fileURLToPath(new URL('../../node_modules/pm2/bin/pm2', import.meta.url));

export class HostBackend implements Pm2Backend {
  readonly kind = 'host' as const;
  readonly isolated = false;

  constructor(private readonly options: RuntimeOptions) {}

  private home(codebase: string): string {
    return path.join(this.options.workspace.engineDir, 'run', codebase, 'pm2-home');
  }

  inside(_codebase: string, folders: RunFolders, kind: keyof RunFolders): string {
    return folders[kind];
  }

  async running(codebase: string): Promise<boolean> {
    const ping = await this.pm2(codebase, ['ping'], { spawnDaemon: false });
    return ping.code === 0 && ping.stdout.includes('pong');
  }

  async prepare(codebase: string): Promise<void> {
    // `pm2 ping` starts the daemon when none runs for this home, and adopts it when one does.
    const result = await this.pm2(codebase, ['ping']);
    if (result.code !== 0) throw new Error(`PM2 could not start for ${codebase}: ${result.stderr || result.stdout}`);
  }

  pm2(codebase: string, args: string[], options: { spawnDaemon?: boolean } = {}): Promise<ExecResult> {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: this.home(codebase), PM2_HOME: this.home(codebase), NODE_ENV: 'production' };
    // Without a daemon, `pm2 ping` would start one; PM2_NO_DAEMON is not a thing, so check for the socket instead.
    if (options.spawnDaemon === false) {
      return readdir(this.home(codebase)).then(
        (names) => (names.includes('rpc.sock') ? this.run(env, args) : { code: 1, stdout: '', stderr: 'no daemon' }),
        () => ({ code: 1, stdout: '', stderr: 'no daemon' }),
      );
    }
    return this.run(env, args);
  }

  private run(env: NodeJS.ProcessEnv, args: string[]): Promise<ExecResult> {
    return new Promise((resolve) =>
      execFile(process.execPath, [PM2_BIN, ...args], { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as NodeJS.ErrnoException & { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
      ),
    );
  }

  async remove(codebase: string): Promise<void> {
    if (await this.running(codebase)) await this.pm2(codebase, ['kill']);
    await rm(this.home(codebase), { recursive: true, force: true });
  }

  async codebases(): Promise<string[]> {
    const runDir = path.join(this.options.workspace.engineDir, 'run');
    const names = await readdir(runDir).catch(() => [] as string[]);
    const alive = await Promise.all(names.map(async (name) => ((await this.running(name)) ? name : null)));
    return alive.filter((n): n is string => n !== null);
  }
}
