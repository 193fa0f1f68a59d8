// Builds: type-check, routes, OpenAPI document and bundle of one branch.
import { z } from 'zod';
import { buildBranch } from '../build/index.ts';
import { openCodebase, parseBranchNumber } from '../git/index.ts';
import { requireWorkspace } from './context.ts';
import { procedure, router } from './trpc.ts';

export const buildRouter = router({
  run: procedure.input(z.object({ codebase: z.string(), branch: z.union([z.string(), z.number()]) })).mutation(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    const codebase = await openCodebase(workspace.paths, input.codebase);
    return buildBranch(codebase, parseBranchNumber(input.branch), ctx.events);
  }),
});
