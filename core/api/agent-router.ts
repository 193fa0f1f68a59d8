// The dev flow through the router: `prompt` opens a dev revision, `answer` goes on with one
// waiting for the user and `resume` with one the engine was stopped in; all return at once while
// the revision runs on in the engine, and `watch` streams a revision's progress until it stops.
// `discard` drops one for good.
import { z } from 'zod';
import { parseBranchNumber } from '../git/index.ts';
import { engineOf } from './context.ts';
import { branchNumber } from './inputs.ts';
import { procedure, router } from './trpc.ts';

const apiKey = z
  .string()
  .min(1)
  .optional()
  .describe('the provider key, when the engine has none in its environment; kept in memory only');
const revisionInput = z.object({ codebase: z.string(), revision: z.union([z.string(), z.number()]) });

export const agentRouter = router({
  prompt: procedure
    .input(z.object({ codebase: z.string(), text: z.string(), from: branchNumber.optional(), apiKey }))
    .mutation(async ({ ctx, input }) => {
      const engine = engineOf(ctx);
      const codebase = await engine.codebase(input.codebase);
      return engine.revisions.prompt(codebase, {
        text: input.text,
        from: input.from === undefined ? undefined : parseBranchNumber(input.from, 'from'),
        apiKey: input.apiKey,
      });
    }),

  answer: procedure.input(revisionInput.extend({ text: z.string(), apiKey })).mutation(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    return engine.revisions.answer(await engine.codebase(input.codebase), input);
  }),

  /** Goes on with a revision the engine was stopped in, from its last completed turn. */
  resume: procedure.input(revisionInput.extend({ apiKey })).mutation(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    return engine.revisions.resume(await engine.codebase(input.codebase), input);
  }),

  /** Stops a running revision where its last turn got to (it can be resumed or discarded). */
  stop: procedure
    .input(revisionInput)
    .mutation(({ ctx, input }) => engineOf(ctx).revisions.stop(input.codebase, input.revision)),

  /** Drops an interrupted revision (or one waiting for an answer) for good. */
  discard: procedure
    .input(revisionInput)
    .mutation(({ ctx, input }) => engineOf(ctx).revisions.discard(input.codebase, input.revision)),

  /** The revision's events as it goes, ending with `revision.ended`. */
  watch: procedure
    .input(z.object({ codebase: z.string(), revision: z.number().int().positive() }))
    .subscription(async function* ({ ctx, input, signal }) {
      yield* engineOf(ctx).revisions.watch(input.codebase, input.revision, signal);
    }),
});
