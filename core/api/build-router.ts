// Builds: type-check, routes, OpenAPI document and bundle of one branch.
import { z } from 'zod';
import { buildBranch } from '../build/index.ts';
import type { CodebaseHandle } from '../git/index.ts';
import { openCodebase, parseBranchNumber, recordChecks } from '../git/index.ts';
import type { BuildResult } from '../build/index.ts';
import { requireWorkspace } from './context.ts';
import { procedure, router } from './trpc.ts';

export const buildRouter = router({
  run: procedure.input(z.object({ codebase: z.string(), branch: z.union([z.string(), z.number()]) })).mutation(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    const codebase = await openCodebase(workspace.paths, input.codebase);
    const branch = parseBranchNumber(input.branch);
    return recordBuild(codebase, branch, await buildBranch(codebase, branch, ctx.events));
  }),
});

/** Writes the build's outcome into the branch record: typecheck and build checks, and the status. */
export async function recordBuild(codebase: CodebaseHandle, branch: number, result: BuildResult): Promise<BuildResult> {
  const at = new Date().toISOString();
  const typecheckFailed = result.diagnostics.length > 0;
  const detail = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  await recordChecks(codebase, branch, {
    status: result.ok ? 'built' : 'build-failed',
    checks: {
      typecheck: typecheckFailed ? { status: 'failed', at, detail: detail(result.diagnostics.length, 'diagnostic') } : { status: 'passed', at },
      build: result.ok ? { status: 'passed', at, detail: detail(result.routes.length, 'route') } : typecheckFailed ? { status: 'skipped', at, detail: 'the type-check failed' } : { status: 'failed', at, detail: detail(result.problems.length, 'problem') },
    },
  });
  return result;
}
