// Branches: one made by hand from a folder, and running one: build (cached by tree), record the
// checks, start under the codebase's PM2 and say it runs (the live engine's gateways that follow
// the newest branch move to it); stop.
import path from 'node:path';
import { runtimePreloader } from '../build/index.ts';
import { BranchyardError } from '../errors/index.ts';
import type { BranchInfo, ChangeEntry } from '../git/index.ts';
import { createBranch, formatBranch, indexBranch, readOverlayDir } from '../git/index.ts';
import { readBranchDatabase } from '../schema/index.ts';
import type { BranchRef, CodebaseRef } from './branch-ref.ts';
import { describeInBranchProcess } from './describe-server.ts';
import type { Engine } from './engine.ts';

export class BranchService {
  constructor(private readonly engine: Engine) {}

  /** A branch made by hand: the files of `dir` (a checked host folder) over `parent` (deletions in `dir/.branchyard-delete`). */
  async create(
    ref: CodebaseRef,
    input: { parent?: number; dir: string; message?: string },
  ): Promise<{ info: BranchInfo; changes: ChangeEntry[]; warnings: string[] }> {
    const changes = await readOverlayDir(input.dir);
    const state = await this.engine.parts.state();
    const created = await createBranch({
      codebase: ref.codebase,
      logsRepository: ref.workspace.manifest.logsRepository,
      parent: input.parent,
      changes,
      author: 'user',
      message: input.message ?? `Files from ${path.basename(input.dir)}`,
      events: this.engine.events,
    });
    await indexBranch(state, ref.codebase, created.info, created.changes);
    return { info: created.info, changes: created.changes, warnings: created.warnings };
  }

  /** Builds and starts a branch, records its checks, and tells the engine it runs. Promotion uses it too. */
  async run(ref: BranchRef) {
    const { events } = this.engine;
    const { name, branch } = ref;
    const runtime = await this.engine.runtime();
    const env = await this.databaseEnv(ref, (database) => runtime.databaseUrl(name, database));
    // A new build is described by the branch's own process, started as the build begins: its
    // Node start overlaps the checks, and it answers only once they passed (issue 21). A branch
    // that runs now keeps serving while it is built again, and restarts after.
    const running = (await runtime.list(name)).some((p) => p.branch === branch && p.status === 'online');
    const preload = running ? undefined : await runtimePreloader();
    const describe = running
      ? undefined
      : describeInBranchProcess(
          (server, placed) => runtime.start(name, branch, server, env, { placed, preload }),
          () => runtime.stop(name, branch),
          runtime.socketPath(name, branch),
        );
    const built = await this.engine.builds.build(ref, describe);
    if (!built.ok) {
      const first = built.diagnostics[0] ?? built.problems[0];
      const problems = built.diagnostics.length + built.problems.length;
      throw new BranchyardError(
        'InvalidInputError',
        `branch ${formatBranch(branch)} of ${name} does not build, so it was not started (${problems} problems; first: ${first ? JSON.stringify(first) : 'unknown'})`,
        { hint: { do: 'build', codebase: name, branch } },
      );
    }
    const task = `run:${name}:${branch}`;
    events.emit('progress', {
      task,
      step: 'start',
      message: `starting branch ${formatBranch(branch)} of ${name}`,
      done: 0,
      total: 1,
    });
    const process = (await describe?.started()) ?? (await runtime.start(name, branch, built.server!, env));
    events.emit('progress', {
      task,
      step: 'running',
      message: `branch ${formatBranch(branch)} of ${name} is running`,
      done: 1,
      total: 1,
    });
    events.emit('branch.running', { codebase: name, number: branch });
    return { ...process, socket: runtime.socketPath(name, branch), isolated: runtime.isolated, routes: built.routes };
  }

  /** Starts the branch unless it already runs: what promotion and the live engine's autostart need. */
  async ensureRunning(ref: BranchRef): Promise<void> {
    const runtime = await this.engine.runtime();
    if ((await runtime.list(ref.name)).some((p) => p.branch === ref.branch && p.status === 'online')) return;
    await this.run(ref);
  }

  async stop(ref: BranchRef) {
    const runtime = await this.engine.runtime();
    await runtime.stop(ref.name, ref.branch);
    return { codebase: ref.name, branch: ref.branch, status: 'stopped' as const };
  }

  async processes(codebase: string) {
    const runtime = await this.engine.runtime();
    return { isolated: runtime.isolated, processes: await runtime.list(codebase) };
  }

  /** Branches of the codebase that run now; none without a live engine, or when its runtime cannot open. */
  async online(codebase: string): Promise<number[] | undefined> {
    const open = this.engine.parts.runtime;
    if (!open) return undefined;
    const opened = await open().catch(() => undefined);
    return ((await opened?.list(codebase).catch(() => [])) ?? [])
      .filter((p) => p.status === 'online')
      .map((p) => p.branch);
  }

  /**
   * DATABASE_URL for a branch whose db-config names a database: opened (and listening on its
   * socket) before the branch starts. It holds no password: an embedded database asks for none,
   * and the engine logs in to a PostgreSQL one for the branch, so the URL's password is never
   * written to the process entries in the workspace.
   */
  private async databaseEnv(ref: BranchRef, urlOf: (database: string) => string): Promise<Record<string, string>> {
    const database = await readBranchDatabase(ref.codebase, ref.branch);
    const databases = this.engine.parts.databases;
    if (!database || !databases) return {};
    const db = await databases().get(database);
    return db.socketDir ? { DATABASE_URL: urlOf(database) } : {};
  }
}
