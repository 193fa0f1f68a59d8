// Dev revisions of a codebase: listed from the engine state (status, cost, branch) and shown
// with their whole conversation from the files.
import { z } from 'zod';
import { revisionSteps } from '../agent/index.ts';
import { parseRevisionNumber } from '../git/index.ts';
import { readRevision } from '../revisions/index.ts';
import type { AgentRole } from '../store/index.ts';
import { listRevisionRows, revisionId, spent } from '../store/index.ts';
import { engineOf } from './context.ts';
import { procedure, router } from './trpc.ts';

export const revisionRouter = router({
  list: procedure.input(z.object({ codebase: z.string() })).query(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    await engine.codebase(input.codebase);
    const rows = await listRevisionRows(await engine.parts.state(), input.codebase);
    return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() }));
  }),

  show: procedure
    .input(z.object({ codebase: z.string(), revision: z.union([z.string(), z.number()]) }))
    .query(async ({ ctx, input }) => {
      const engine = engineOf(ctx);
      const { codebase, workspace } = await engine.codebase(input.codebase);
      const revision = await readRevision(codebase, parseRevisionNumber(input.revision));
      const db = await engine.parts.state();
      const id = await revisionId(db, input.codebase, revision.info.number);
      const costMicroUsd = id === undefined ? 0 : await spent(db, { devRevisionId: id });
      const entries = <K extends string>(list: { kind: K; text: string; at: Date; role?: AgentRole }[]) =>
        list.map((e) => ({ ...e, at: e.at.toISOString() }));
      return {
        ...revision.info,
        branch: revision.branch,
        costMicroUsd,
        prompts: entries(revision.prompts),
        responses: entries(revision.responses),
        folder: revision.dir,
        // Each step with its role, without the arguments and answers (`steps` has them whole).
        steps: (await revisionSteps(workspace, input.codebase, revision.info.number)).map((st) =>
          st.kind === 'text'
            ? { role: st.role, kind: st.kind, text: st.text }
            : { role: st.role, kind: st.kind, tool: st.tool, path: st.path ?? null, ok: st.ok },
        ),
      };
    }),

  /** Its tool calls and the agent's text, turn by turn, from the transcript the engine keeps. */
  steps: procedure
    .input(z.object({ codebase: z.string(), revision: z.number().int().positive() }))
    .query(async ({ ctx, input }) => {
      const { workspace } = await engineOf(ctx).codebase(input.codebase);
      return revisionSteps(workspace, input.codebase, input.revision);
    }),
});
