// Gateways: what each routes where, promotion (and so rollback), its history, the CA to trust,
// and basic-auth users. Listing works without the live engine; promoting needs it.
import { z } from 'zod';
import { caFiles, describeGateways, LocalCa, setGatewayPassword } from '../gateway/index.ts';
import { listPromotions } from '../store/index.ts';
import { engineOf } from './context.ts';
import { branchNumber } from './inputs.ts';
import { procedure, router } from './trpc.ts';

export const gatewayRouter = router({
  list: procedure.query(async ({ ctx }) => {
    const engine = engineOf(ctx);
    const workspace = await engine.workspace();
    const live = engine.parts.gateways;
    return {
      live: Boolean(live),
      gateways: live ? live().status() : await describeGateways(workspace),
      ca: caFiles(workspace.paths).certificate,
    };
  }),

  promote: procedure
    .input(z.object({ codebase: z.string(), branch: branchNumber, gateway: z.string(), by: z.string().optional() }))
    .mutation(async ({ ctx, input }) => {
      const engine = engineOf(ctx);
      engine.liveGateways(); // said before anything else: without the live engine nothing is promoted
      return engine.gateways.promote(await engine.branch(input.codebase, input.branch), {
        gateway: input.gateway,
        by: input.by,
      });
    }),

  history: procedure
    .input(
      z.object({
        gateway: z.string().optional(),
        codebase: z.string().optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const rows = await listPromotions(await engineOf(ctx).parts.state(), input);
      return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
    }),

  ca: procedure.query(async ({ ctx }) => {
    const workspace = await engineOf(ctx).workspace();
    const ca = await LocalCa.open(workspace.paths, workspace.manifest.name);
    return { certificate: ca.files.certificate };
  }),

  password: procedure
    .input(z.object({ gateway: z.string(), user: z.string(), password: z.string(), codebase: z.string().optional() }))
    .mutation(async ({ ctx, input }) => {
      const engine = engineOf(ctx);
      const result = await setGatewayPassword(await engine.workspace(), input);
      await engine.parts.gateways?.().reload();
      return result;
    }),
});
