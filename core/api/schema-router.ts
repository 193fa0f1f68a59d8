// Shared database schemas: the compatibility check of a branch's schema copy, applying a change
// that passed, the last report, and the workspace's databases.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BranchyardError } from '../errors/index.ts';
import { formatBranch, openCodebase, parseBranchNumber } from '../git/index.ts';
import type { SchemaCheckOptions, SchemaReport } from '../schema/index.ts';
import { addDatabase, applySchema, checkSchema, REPORT_JSON } from '../schema/index.ts';
import { urlEnvProblem } from '../workspace/index.ts';
import type { EngineContext } from './context.ts';
import { requireDatabases, requireWorkspace } from './context.ts';
import { procedure, router } from './trpc.ts';

const target = z.object({ codebase: z.string(), branch: z.union([z.string(), z.number()]) });

export async function schemaCheckOptions(ctx: EngineContext, input: { codebase: string; branch: string | number }): Promise<SchemaCheckOptions> {
  const workspace = await requireWorkspace(ctx);
  const runtime = ctx.runtime;
  return {
    workspace,
    codebase: input.codebase,
    branch: parseBranchNumber(input.branch),
    databases: requireDatabases(ctx),
    events: ctx.events,
    // Without a live engine nothing of ours runs; a runtime that cannot open knows of nothing running.
    running: runtime
      ? async (codebase) => {
          const opened = await runtime().catch(() => undefined);
          return ((await opened?.list(codebase).catch(() => [])) ?? []).filter((p) => p.status === 'online').map((p) => p.branch);
        }
      : undefined,
  };
}

export const schemaRouter = router({
  check: procedure.input(target).mutation(async ({ ctx, input }) => (await checkSchema(await schemaCheckOptions(ctx, input))).report),

  // Not `apply`: tRPC reserves the name.
  applyChange: procedure.input(target).mutation(async ({ ctx, input }) => applySchema(await schemaCheckOptions(ctx, input))),

  /** The last check's report, or null when the branch was never checked. */
  report: procedure.input(target).query(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    const codebase = await openCodebase(workspace.paths, input.codebase);
    const branch = parseBranchNumber(input.branch);
    const file = path.join(codebase.paths.branch(formatBranch(branch)), REPORT_JSON);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    return text === undefined ? null : (JSON.parse(text) as SchemaReport);
  }),
});

export const databaseRouter = router({
  list: procedure.query(async ({ ctx }) => {
    const workspace = await requireWorkspace(ctx);
    return workspace.databases.map((d) => ({ name: d.name, engine: d.config.engine, urlEnv: d.config.engine === 'postgres' ? d.config.urlEnv : null }));
  }),

  add: procedure.input(z.object({ postgresUrlEnv: z.string().optional() })).mutation(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    if (input.postgresUrlEnv !== undefined && /:\/\//.test(input.postgresUrlEnv)) {
      throw new BranchyardError('InvalidInputError', '--postgres takes the name of an environment variable holding the URL (such as SHOP_DATABASE_URL), not the URL: a URL with its password must never be written into the workspace');
    }
    const keyProblem = input.postgresUrlEnv === undefined ? undefined : urlEnvProblem(input.postgresUrlEnv, workspace.ai.keyEnv);
    if (keyProblem) throw new BranchyardError('InvalidInputError', `--postgres ${keyProblem}`);
    return addDatabase(workspace.paths, { postgresUrlEnv: input.postgresUrlEnv });
  }),
});
