// The logs repository beside the workspace (its path in branchyard.json): a git repository of
// its own, so a workspace with months of traffic stays small. Commits are batched: files that
// changed are gathered and committed together every few seconds (and on close), never a commit
// per line. Only the files the writers name are staged, so a commit never walks the tree. Where
// the git command is installed it makes the commits, in a process of its own: hashing and
// compressing megabytes of logs in C off the engine's event loop costs the gateways a tenth of
// what isomorphic-git in the engine did (bench/gateway --log). That process runs at a low
// priority: on a busy machine the commits wait for spare time rather than take it from the
// gateways and branches (a gateway under load closes dozens of files a second). Without the
// command, isomorphic-git.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { withFileLock } from '../locks/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';
import { ENGINE_AUTHOR, formatBranch } from '../workspace/index.ts';
import type { LogType } from './log-types.ts';

const README = `# Logs\n\nToken-sized log files written by Branchyard: \`codebases/<codebase>/branches/<NNNNN>/{pm2,ttyd,api-gateway}/\`.\nEach closed file is named \`<N>k-<YYYYMMDD>-<HHMMSS>.log\` (N thousand tokens, started at that UTC time);\n\`open-….log\` is being written. Read them with \`branchyard logs <codebase> <branch>\`.\n`;

export class LogsRepository {
  private readonly written = new Set<string>();
  private readonly removed = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private committing: Promise<void> = Promise.resolve();
  private nativeGit: Promise<boolean> | undefined;

  private constructor(
    readonly root: string,
    private readonly lockFile: string,
    private readonly intervalMs: number,
    private readonly onError: (error: Error) => void,
    gitCommand?: boolean,
  ) {
    if (gitCommand !== undefined) this.nativeGit = Promise.resolve(gitCommand);
  }

  /** Opens the repository, creating it on first use. */
  /** `gitCommand`: commit with the git command (true) or isomorphic-git (false); by default the command when it is installed. */
  static async open(options: {
    workspace: WorkspacePaths;
    repository: string;
    commitIntervalMs?: number;
    onError?: (error: Error) => void;
    gitCommand?: boolean;
  }): Promise<LogsRepository> {
    const root = path.resolve(options.workspace.root, options.repository);
    await mkdir(root, { recursive: true });
    // The commit lock lives with the engine's private files, which a fresh workspace lacks yet.
    await mkdir(options.workspace.engineDir, { recursive: true, mode: 0o700 });
    const repo = new LogsRepository(
      root,
      path.join(options.workspace.engineDir, 'logs-git.lock'),
      options.commitIntervalMs ?? 5_000,
      options.onError ?? (() => undefined),
      options.gitCommand,
    );
    if (
      !(await stat(path.join(root, '.git')).then(
        () => true,
        () => false,
      ))
    ) {
      await git.init({ fs, dir: root, defaultBranch: 'main' });
      await writeFile(path.join(root, 'README.md'), README);
      repo.changed({ written: [path.join(root, 'README.md')], removed: [] });
      await repo.commit('Logs repository');
    }
    return repo;
  }

  /** Where one branch's logs of one type live. */
  folder(codebase: string, branch: number, type: LogType): string {
    return path.join(this.root, 'codebases', codebase, 'branches', formatBranch(branch), type);
  }

  /** Where a gateway's requests that reached no codebase are logged. */
  gatewayFolder(gateway: string): string {
    return path.join(this.root, 'gateways', gateway, 'api-gateway');
  }

  /** Files to put in the next commit. */
  changed(change: { written: string[]; removed: string[] }): void {
    for (const file of change.written) {
      this.written.add(file);
      this.removed.delete(file);
    }
    for (const file of change.removed) {
      this.removed.add(file);
      this.written.delete(file);
    }
    if (!this.timer && this.intervalMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.commit().catch(this.onError);
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Commits what changed since the last commit; one at a time. */
  commit(message = 'Logs'): Promise<void> {
    this.committing = this.committing.then(
      () => this.commitNow(message),
      () => this.commitNow(message),
    );
    return this.committing;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.commit();
  }

  private async commitNow(message: string): Promise<void> {
    if (this.written.size === 0 && this.removed.size === 0) return;
    const written = [...this.written];
    const removed = [...this.removed];
    this.written.clear();
    this.removed.clear();
    try {
      await this.commitFiles(written, removed, message);
    } catch (error) {
      // Kept for the next commit (a file renamed between its stat and its add is the usual cause;
      // the rename's own change is queued too, so the next one goes through).
      this.changed({
        written: written.filter((f) => !this.removed.has(f)),
        removed: removed.filter((f) => !this.written.has(f)),
      });
      throw error;
    }
  }

  private async commitFiles(written: string[], removed: string[], message: string): Promise<void> {
    const dir = this.root;
    const relative = (file: string) => path.relative(dir, file).split(path.sep).join('/');
    this.nativeGit ??= runGit(dir, ['--version']).then(
      () => true,
      () => false,
    );
    const native = await this.nativeGit;
    await withFileLock(this.lockFile, { what: `the logs repository ${dir}`, waitMs: 60_000 }, async () => {
      if (native) {
        // `add -A` of the folders that changed stages what was written and what was renamed away
        // alike (a file renamed before it was ever committed would be a pathspec matching nothing).
        const folders = [...new Set([...written, ...removed].map((file) => relative(path.dirname(file))))];
        await runGit(dir, ['add', '-A', '--pathspec-from-file=-', '--pathspec-file-nul'], folders.join('\0'));
        // Something is almost always staged; asking first would compare the whole index with
        // HEAD on every commit. A commit that fails is excused only when nothing was staged.
        const committed = await runGit(dir, ['commit', '-q', '--no-verify', '-m', message]).then(
          () => null,
          (error: Error) => error,
        );
        if (
          committed &&
          (await runGit(dir, ['diff', '--cached', '--quiet']).then(
            () => false,
            () => true,
          ))
        )
          throw committed;
        return;
      }
      // One cache for the whole commit, so the index is parsed once; removing a file the index
      // never held changes nothing and writes nothing.
      const cache = {};
      for (const file of removed) await git.remove({ fs, dir, filepath: relative(file), cache });
      const present = (
        await Promise.all(
          written.map(async (file) =>
            (await stat(file).then(
              () => true,
              () => false,
            ))
              ? file
              : undefined,
          ),
        )
      ).filter((f) => f !== undefined);
      if (present.length > 0) await git.add({ fs, dir, filepath: present.map(relative), cache });
      await git.commit({ fs, dir, message, author: ENGINE_AUTHOR, cache });
    });
  }
}

/** A nice value: below the engine, the gateways and the branches, still above idle work. */
const BACKGROUND_PRIORITY = 10;

/** The git command in the logs repository, with no user configuration or hooks of its own. */
function runGit(dir: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [
        '-c',
        'core.hooksPath=/dev/null',
        '-c',
        'commit.gpgSign=false',
        '-c',
        `user.name=${ENGINE_AUTHOR.name}`,
        '-c',
        `user.email=${ENGINE_AUTHOR.email}`,
        '-C',
        dir,
        ...args,
      ],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1', LANG: 'C' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(`git ${args[0]} in ${dir}: ${stderr.trim() || error.message}`)) : resolve(stdout),
    );
    if (input !== undefined) child.stdin!.end(input);
    // Its children (git gc --auto among them) inherit the priority.
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, BACKGROUND_PRIORITY);
      } catch {
        // gone already, or not allowed here: it runs at the engine's priority
      }
    }
  });
}
