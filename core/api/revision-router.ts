// Dev revisions of a codebase: listed from the engine state (status, cost, branch) and shown
// with their whole conversation from the files.
import { z } from 'zod';
import { revisionSteps } from '../agent/index.ts';
import { openCodebase, parseRevisionNumber, readRevision } from '../git/index.ts';
import { listRevisionRows, revisionId, spent } from '../store/index.ts';
import { requireWorkspace } from './context.ts';
import { procedure, router } from './trpc.ts';

export const revisionRouter = router({
  list: procedure.input(z.object({ codebase: z.string() })).query(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    await openCodebase(workspace.paths, input.codebase);
    const rows = await listRevisionRows(await ctx.state(), input.codebase);
    return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() }));
  }),

  show: procedure.input(z.object({ codebase: z.string(), revision: z.union([z.string(), z.number()]) })).query(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    const codebase = await openCodebase(workspace.paths, input.codebase);
    const revision = await readRevision(codebase, parseRevisionNumber(input.revision));
    const db = await ctx.state();
    const id = await revisionId(db, input.codebase, revision.info.number);
    const costMicroUsd = id === undefined ? 0 : await spent(db, { devRevisionId: id });
    const entries = <K extends string>(list: { kind: K; text: string; at: Date }[]) => list.map((e) => ({ ...e, at: e.at.toISOString() }));
    return { ...revision.info, branch: revision.branch, costMicroUsd, prompts: entries(revision.prompts), responses: entries(revision.responses), folder: revision.dir };
  }),

  /** Its tool calls and the agent's text, turn by turn, from the transcript the engine keeps. */
  steps: procedure.input(z.object({ codebase: z.string(), revision: z.number().int().positive() })).query(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    await openCodebase(workspace.paths, input.codebase);
    return revisionSteps(workspace, input.codebase, input.revision);
  }),
});
