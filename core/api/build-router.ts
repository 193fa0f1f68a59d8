// Builds: type-check, routes, OpenAPI document and bundle of one branch.
import { z } from 'zod';
import { buildBranch } from '../build/index.ts';
import type { CodebaseHandle } from '../git/index.ts';
import { openCodebase, parseBranchNumber, recordChecks } from '../git/index.ts';
import { checkSchema } from '../schema/index.ts';
import type { BuildResult } from '../build/index.ts';
import type { EngineContext } from './context.ts';
import { requireWorkspace } from './context.ts';
import { schemaCheckOptions } from './schema-router.ts';
import { describeError } from '../errors/index.ts';
import { procedure, router } from './trpc.ts';

export const buildRouter = router({
  run: procedure.input(z.object({ codebase: z.string(), branch: z.union([z.string(), z.number()]) })).mutation(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    const codebase = await openCodebase(workspace.paths, input.codebase);
    const branch = parseBranchNumber(input.branch);
    return recordBuild(ctx, codebase, branch, await buildBranch(codebase, branch, ctx.events));
  }),
});

/**
 * Writes the build's outcome into the branch record: typecheck and build checks, and the status.
 * A new build that passed then has its schema checked (the check is quick, and writes nothing
 * but its verdict, when the branch's schema copy is the shared one).
 */
export async function recordBuild(ctx: EngineContext, codebase: CodebaseHandle, branch: number, result: BuildResult): Promise<BuildResult> {
  const at = new Date().toISOString();
  const typecheckFailed = result.diagnostics.length > 0;
  const detail = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  const recorded = await recordChecks(codebase, branch, {
    status: result.ok ? 'built' : 'build-failed',
    checks: {
      typecheck: typecheckFailed ? { status: 'failed', at, detail: detail(result.diagnostics.length, 'diagnostic') } : { status: 'passed', at },
      build: result.ok ? { status: 'passed', at, detail: detail(result.routes.length, 'route') } : typecheckFailed ? { status: 'skipped', at, detail: 'the type-check failed' } : { status: 'failed', at, detail: detail(result.problems.length, 'problem') },
    },
  });
  const pending = recorded.checks.schema?.status !== 'passed';
  if (result.ok && ctx.databases && (!result.cached || pending)) {
    try {
      await checkSchema(await schemaCheckOptions(ctx, { codebase: codebase.paths.name, branch }));
    } catch (error) {
      // The branch still runs on development; a protected gateway will refuse it until a check passes.
      await recordChecks(codebase, branch, { checks: { schema: { status: 'failed', at: new Date().toISOString(), detail: `the check could not run: ${describeError(error)}` } } });
    }
  }
  return result;
}
