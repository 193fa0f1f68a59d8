// Running branches: build (cached by tree) and start under the codebase's PM2, stop, and the
// live status of every branch process. Only the live engine has a runtime.
import { engineOf } from './context.ts';
import { branchInput, codebaseInput } from './inputs.ts';
import { procedure, router } from './trpc.ts';

export const runtimeRouter = router({
  run: procedure.input(branchInput).mutation(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    return engine.branches.run(await engine.branch(input.codebase, input.branch));
  }),

  stop: procedure.input(branchInput).mutation(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    return engine.branches.stop(await engine.branch(input.codebase, input.branch));
  }),

  list: procedure.input(codebaseInput).query(({ ctx, input }) => engineOf(ctx).branches.processes(input.codebase)),
});
