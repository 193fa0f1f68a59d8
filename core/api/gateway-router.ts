// Gateways: what each routes where, promotion (and so rollback), its history, the CA to trust,
// and basic-auth users. Listing works without the live engine; promoting needs it.
import { z } from 'zod';
import { caFiles, describeGateways, LocalCa, promoteBranch, setGatewayPassword } from '../gateway/index.ts';
import { parseBranchNumber } from '../git/index.ts';
import { listPromotions } from '../store/index.ts';
import { requireGateways, requireWorkspace } from './context.ts';
import { ensureBranchRunning } from './runtime-router.ts';
import { procedure, router } from './trpc.ts';

export const gatewayRouter = router({
  list: procedure.query(async ({ ctx }) => {
    const workspace = await requireWorkspace(ctx);
    return { live: Boolean(ctx.gateways), gateways: ctx.gateways ? ctx.gateways().status() : await describeGateways(workspace), ca: caFiles(workspace.paths).certificate };
  }),

  promote: procedure
    .input(z.object({ codebase: z.string(), branch: z.union([z.string(), z.number()]), gateway: z.string(), by: z.string().optional() }))
    .mutation(async ({ ctx, input }) => {
      const workspace = await requireWorkspace(ctx);
      const manager = requireGateways(ctx);
      return promoteBranch({
        workspace,
        db: await ctx.state(),
        gateway: input.gateway,
        codebase: input.codebase,
        branch: parseBranchNumber(input.branch),
        actor: 'user',
        by: input.by,
        events: ctx.events,
        ensureRunning: (codebase, branch) => ensureBranchRunning(ctx, codebase, branch),
        apply: () => manager.reload(),
      });
    }),

  history: procedure.input(z.object({ gateway: z.string().optional(), codebase: z.string().optional(), limit: z.number().int().min(1).max(1000).optional() })).query(async ({ ctx, input }) => {
    const rows = await listPromotions(await ctx.state(), input);
    return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
  }),

  ca: procedure.query(async ({ ctx }) => {
    const workspace = await requireWorkspace(ctx);
    const ca = await LocalCa.open(workspace.paths, workspace.manifest.name);
    return { certificate: ca.files.certificate };
  }),

  password: procedure
    .input(z.object({ gateway: z.string(), user: z.string(), password: z.string(), codebase: z.string().optional() }))
    .mutation(async ({ ctx, input }) => {
      const result = await setGatewayPassword(await requireWorkspace(ctx), input);
      await ctx.gateways?.().reload();
      return result;
    }),
});
