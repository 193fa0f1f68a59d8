// Running branches: build (cached by tree) and start under the codebase's PM2, stop, and the
// live status of every branch process. Only the live engine has a runtime.
import { z } from 'zod';
import { buildBranch } from '../build/index.ts';
import { BranchyardError } from '../errors/index.ts';
import type { CodebaseHandle } from '../git/index.ts';
import { formatBranch, openCodebase, parseBranchNumber } from '../git/index.ts';
import { readBranchDatabase } from '../schema/index.ts';
import { recordBuild } from './build-router.ts';
import type { EngineContext } from './context.ts';
import { requireRuntime, requireWorkspace } from './context.ts';
import { procedure, router } from './trpc.ts';

const target = z.object({ codebase: z.string(), branch: z.union([z.string(), z.number()]) });

export const runtimeRouter = router({
  run: procedure.input(target).mutation(async ({ ctx, input }) => runBranch(ctx, input.codebase, parseBranchNumber(input.branch))),

  stop: procedure.input(target).mutation(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    await openCodebase(workspace.paths, input.codebase);
    const branch = parseBranchNumber(input.branch);
    const runtime = await requireRuntime(ctx);
    await runtime.stop(input.codebase, branch);
    return { codebase: input.codebase, branch, status: 'stopped' as const };
  }),

  list: procedure.input(z.object({ codebase: z.string() })).query(async ({ ctx, input }) => {
    const runtime = await requireRuntime(ctx);
    return { isolated: runtime.isolated, processes: await runtime.list(input.codebase) };
  }),
});

/**
 * Builds (cached by tree) and starts a branch, records its checks, and tells the engine it runs
 * (gateways that follow the newest branch move to it). Promotion uses it too.
 */
export async function runBranch(ctx: EngineContext, codebaseName: string, branch: number) {
  const workspace = await requireWorkspace(ctx);
  const codebase = await openCodebase(workspace.paths, codebaseName);
  const runtime = await requireRuntime(ctx);
  const built = await recordBuild(ctx, codebase, branch, await buildBranch(codebase, branch, ctx.events));
  if (!built.ok) {
    const first = built.diagnostics[0] ?? built.problems[0];
    throw new BranchyardError('InvalidInputError', `branch ${formatBranch(branch)} of ${codebaseName} does not build, so it was not started (${built.diagnostics.length + built.problems.length} problems; first: ${first ? JSON.stringify(first) : 'unknown'}); run \`branchyard build ${codebaseName} ${branch}\` for all of them`);
  }
  const task = `run:${codebaseName}:${branch}`;
  ctx.events.emit('progress', { task, step: 'start', message: `starting branch ${formatBranch(branch)} of ${codebaseName}`, done: 0, total: 1 });
  const process = await runtime.start(codebaseName, branch, built.server!, await databaseEnv(ctx, codebase, branch, (database) => runtime.databaseUrl(codebaseName, database)));
  ctx.events.emit('progress', { task, step: 'running', message: `branch ${formatBranch(branch)} of ${codebaseName} is running`, done: 1, total: 1 });
  ctx.events.emit('branch.running', { codebase: codebaseName, number: branch });
  return { ...process, socket: runtime.socketPath(codebaseName, branch), isolated: runtime.isolated, routes: built.routes };
}

/**
 * DATABASE_URL for a branch whose db-config names a database: opened (and listening on its
 * socket) before the branch starts. It holds no password: an embedded database asks for none,
 * and the engine logs in to a PostgreSQL one for the branch, so the URL's password is never
 * written to the process entries in the workspace.
 */
async function databaseEnv(ctx: EngineContext, codebase: CodebaseHandle, branch: number, urlOf: (database: string) => string): Promise<Record<string, string>> {
  const database = await readBranchDatabase(codebase, branch);
  if (!database || !ctx.databases) return {};
  const db = await ctx.databases().get(database);
  return db.socketDir ? { DATABASE_URL: urlOf(database) } : {};
}

/** Starts the branch unless it already runs: what promotion and serve's autostart both need. */
export async function ensureBranchRunning(ctx: EngineContext, codebase: string, branch: number): Promise<void> {
  const runtime = await requireRuntime(ctx);
  if ((await runtime.list(codebase)).some((p) => p.branch === branch && p.status === 'online')) return;
  await runBranch(ctx, codebase, branch);
}
