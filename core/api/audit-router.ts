// A revision's audit trail (issue 22): every action of each agent role and of the engine, oldest first.
import { z } from 'zod';
import { revisionAudit } from '../agent/index.ts';
import { parseRevisionNumber } from '../git/index.ts';
import { engineOf } from './context.ts';
import { procedure, router } from './trpc.ts';

export const auditRouter = router({
  list: procedure
    .input(z.object({ codebase: z.string(), revision: z.union([z.string(), z.number()]) }))
    .query(async ({ ctx, input }) => {
      const engine = engineOf(ctx);
      await engine.codebase(input.codebase);
      return revisionAudit(await engine.parts.state(), input.codebase, parseRevisionNumber(input.revision));
    }),
});
