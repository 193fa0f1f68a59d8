// PM2 on this machine, for where Docker is not available: one PM2 daemon per codebase with its
// own home under .branchyard/run, so it never mixes with a user's own PM2. Branches run with no
// isolation, and every place that shows them says so.
import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BranchyardError } from '../errors/index.ts';
import { daemonListens } from './pm2-daemon.ts';
import type { ExecResult } from './exec.ts';
import type { Pm2Backend, RunFolders, RuntimeOptions } from './types.ts';
import { runFolders } from './run-folders.ts';

const PM2_BIN = fileURLToPath(new URL('../../node_modules/pm2/bin/pm2', import.meta.url));

export class HostBackend implements Pm2Backend {
  readonly kind = 'host' as const;
  readonly isolated = false;
  readonly node = process.execPath;

  constructor(private readonly options: RuntimeOptions) {}

  inside(_codebase: string, folders: RunFolders, kind: keyof RunFolders): string {
    return folders[kind];
  }

  engineFile(file: string): string {
    return file;
  }

  async prepare(codebase: string, folders: RunFolders): Promise<void> {
    if (await daemonListens(folders.home)) return;
    // `pm2 ping` starts the daemon for this home (once per codebase), and waits until it answers.
    const result = await this.pm2(folders.home, ['ping']);
    if (result.code !== 0)
      throw new BranchyardError(
        'RuntimeError',
        `PM2 could not start for ${codebase}: ${result.stderr || result.stdout}`,
      );
  }

  private pm2(home: string, args: string[]): Promise<ExecResult> {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, PM2_HOME: home, NODE_ENV: 'production' };
    return new Promise((resolve) =>
      execFile(
        process.execPath,
        [PM2_BIN, ...args],
        { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) =>
          resolve({
            code: error ? Number((error as NodeJS.ErrnoException & { code?: number }).code ?? 1) || 1 : 0,
            stdout,
            stderr,
          }),
      ),
    );
  }

  private home(codebase: string): string {
    return runFolders(this.options.workspace, codebase).home;
  }

  async remove(codebase: string): Promise<void> {
    if (await daemonListens(this.home(codebase))) await this.pm2(this.home(codebase), ['kill']);
    await rm(this.home(codebase), { recursive: true, force: true });
  }

  async codebases(): Promise<string[]> {
    const runDir = path.join(this.options.workspace.engineDir, 'run');
    const names = await readdir(runDir).catch(() => [] as string[]);
    const alive = await Promise.all(names.map(async (name) => ((await daemonListens(this.home(name))) ? name : null)));
    return alive.filter((n): n is string => n !== null);
  }
}
