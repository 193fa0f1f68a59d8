// Routes in the engine state. The engine copies what the gateway files say into it at start
// (files can be edited by hand); a scaled-out `gateway run` reads them back from there, so
// several instances on PostgreSQL serve what the engine promoted.
import { currentRoutes, ensureCodebase, ensureGateway, setRoute } from '../store/index.ts';
import type { StateDb } from '../store/index.ts';
import type { Workspace } from '../workspace/index.ts';
import type { RouteSource } from './manager.ts';

export async function syncRoutesFromFiles(db: StateDb, workspace: Workspace): Promise<void> {
  for (const gateway of workspace.gateways) {
    const gatewayId = await ensureGateway(db, {
      name: gateway.name,
      port: gateway.config.port,
      httpPort: gateway.config.httpPort,
      protected: gateway.config.protected,
    });
    for (const [codebase, branch] of Object.entries(gateway.config.routes)) {
      await setRoute(db, { gatewayId, codebaseId: await ensureCodebase(db, codebase), toBranch: Number(branch) });
    }
  }
}

export function stateRouteSource(db: StateDb): RouteSource {
  return async (gateway) =>
    new Map((await currentRoutes(db)).filter((r) => r.gateway === gateway).map((r) => [r.codebase, r.branch]));
}

/** A fingerprint of every route, to tell when one changed. */
export async function routesFingerprint(db: StateDb): Promise<string> {
  return (await currentRoutes(db)).map((r) => `${r.gateway}/${r.codebase}=${r.branch}`).join(',');
}
