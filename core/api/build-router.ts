// Builds: type-check, routes, OpenAPI document and bundle of one branch, recorded in its record.
import { engineOf } from './context.ts';
import { branchInput } from './inputs.ts';
import { procedure, router } from './trpc.ts';

export const buildRouter = router({
  run: procedure.input(branchInput).mutation(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    return engine.builds.build(await engine.branch(input.codebase, input.branch));
  }),
});
