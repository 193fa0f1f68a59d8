// Terminals into branches, for the UI: open one (in the container or on the host), send it
// keys, resize it, close it, and attach to its output (its scrollback first, then as it comes).
import { z } from 'zod';
import { iterateListener } from '../events/index.ts';
import type { EngineContext } from './context.ts';
import { engineOf } from './context.ts';
import { branchNumber } from './inputs.ts';
import { procedure, router } from './trpc.ts';

const requireTerminals = (ctx: EngineContext) => engineOf(ctx).terminals();

const size = { cols: z.number().int().min(2).max(500), rows: z.number().int().min(2).max(300) };

export const terminalRouter = router({
  list: procedure.query(({ ctx }) => requireTerminals(ctx).list()),

  open: procedure
    .input(z.object({ codebase: z.string(), branch: branchNumber, where: z.enum(['container', 'host']), ...size }))
    .mutation(async ({ ctx, input }) => {
      const terminals = requireTerminals(ctx);
      const { branch } = await engineOf(ctx).branch(input.codebase, input.branch);
      return terminals.open({ ...input, branch });
    }),

  input: procedure.input(z.object({ id: z.string(), data: z.string().max(64 * 1024) })).mutation(({ ctx, input }) => {
    requireTerminals(ctx).write(input.id, input.data);
    return { ok: true };
  }),

  resize: procedure.input(z.object({ id: z.string(), ...size })).mutation(async ({ ctx, input }) => {
    await requireTerminals(ctx).resize(input.id, input.cols, input.rows);
    return { ok: true };
  }),

  close: procedure.input(z.object({ id: z.string() })).mutation(({ ctx, input }) => {
    requireTerminals(ctx).close(input.id);
    return { ok: true };
  }),

  /** The terminal's output: what it printed so far, then each chunk; ends when the shell exits. */
  output: procedure.input(z.object({ id: z.string() })).subscription(async function* ({ ctx, input, signal }) {
    const terminals = requireTerminals(ctx);
    const output = iterateListener<{ data: string } | { exit: number | null }>(
      (push) =>
        terminals.attach(
          input.id,
          (data) => push({ data }),
          (exit) => push({ exit }),
        ),
      signal,
    );
    for await (const item of output) {
      yield item;
      if ('exit' in item) return;
    }
  }),
});
