// The window's API explorer: a gateway's merged OpenAPI document and its try-it calls, sent by the
// engine so that the workspace CA is trusted here and no certificate warning reaches the user.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { callGateway, documentUrl, explorerTargets, gatewayDocument } from '../explorer/index.ts';
import type { CallOptions } from '../explorer/index.ts';
import { caFiles } from '../gateway/index.ts';
import { engineOf } from './context.ts';
import type { EngineContext } from './context.ts';
import { procedure, router } from './trpc.ts';

async function callOptions(ctx: EngineContext): Promise<CallOptions & { status: ReturnType<typeof status> }> {
  const engine = engineOf(ctx);
  const gateways = status(ctx);
  const workspace = await engine.workspace();
  return {
    status: gateways,
    targets: explorerTargets(gateways),
    ca: await readFile(caFiles(workspace.paths).certificate, 'utf8'),
  };
}

const status = (ctx: EngineContext) => engineOf(ctx).liveGateways().status();

export const explorerRouter = router({
  /** The gateway's document (every codebase it routes), each path's server a gateway address. */
  document: procedure.input(z.object({ gateway: z.string() })).query(async ({ ctx, input }) => {
    const options = await callOptions(ctx);
    return {
      url: documentUrl(options.status, input.gateway),
      document: await gatewayDocument(options, documentUrl(options.status, input.gateway)),
    };
  }),

  /** One try-it request; refused unless it names one of this workspace's gateways. */
  tryIt: procedure
    .input(
      z.object({
        url: z.string().max(8192),
        method: z.string().max(16),
        headers: z.record(z.string(), z.string()).default({}),
        body: z
          .string()
          .max(8 * 1024 * 1024)
          .optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => callGateway(await callOptions(ctx), input)),
});
