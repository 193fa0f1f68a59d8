// Shared database schemas: the compatibility check of a branch's schema copy, applying a change
// that passed, the last report, and the workspace's databases.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BranchyardError } from '../errors/index.ts';
import { formatBranch } from '../git/index.ts';
import type { SchemaReport } from '../schema/index.ts';
import { addDatabase, REPORT_JSON } from '../schema/index.ts';
import { urlEnvProblem } from '../workspace/index.ts';
import { engineOf } from './context.ts';
import { branchInput } from './inputs.ts';
import { procedure, router } from './trpc.ts';

export const schemaRouter = router({
  check: procedure.input(branchInput).mutation(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    return (await engine.schema.check(await engine.branch(input.codebase, input.branch))).report;
  }),

  // Not `apply`: tRPC reserves the name.
  applyChange: procedure.input(branchInput).mutation(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    return engine.schema.apply(await engine.branch(input.codebase, input.branch));
  }),

  /** The last check's report, or null when the branch was never checked. */
  report: procedure.input(branchInput).query(async ({ ctx, input }) => {
    const { codebase, branch } = await engineOf(ctx).branch(input.codebase, input.branch);
    const text = await readFile(path.join(codebase.paths.branch(formatBranch(branch)), REPORT_JSON), 'utf8').catch(
      () => undefined,
    );
    return text === undefined ? null : (JSON.parse(text) as SchemaReport);
  }),
});

export const databaseRouter = router({
  list: procedure.query(async ({ ctx }) => {
    const workspace = await engineOf(ctx).workspace();
    return workspace.databases.map((d) => ({
      name: d.name,
      engine: d.config.engine,
      urlEnv: d.config.engine === 'postgres' ? d.config.urlEnv : null,
    }));
  }),

  add: procedure.input(z.object({ postgresUrlEnv: z.string().optional() })).mutation(async ({ ctx, input }) => {
    const workspace = await engineOf(ctx).workspace();
    if (input.postgresUrlEnv !== undefined && /:\/\//.test(input.postgresUrlEnv)) {
      throw new BranchyardError(
        'InvalidInputError',
        'postgresUrlEnv takes the name of an environment variable holding the URL (such as SHOP_DATABASE_URL), not the URL: a URL with its password must never be written into the workspace',
        { field: 'postgresUrlEnv' },
      );
    }
    const keyProblem =
      input.postgresUrlEnv === undefined ? undefined : urlEnvProblem(input.postgresUrlEnv, workspace.ai.keyEnv);
    if (keyProblem)
      throw new BranchyardError('InvalidInputError', `postgresUrlEnv ${keyProblem}`, { field: 'postgresUrlEnv' });
    return addDatabase(workspace.paths, { postgresUrlEnv: input.postgresUrlEnv });
  }),
});
