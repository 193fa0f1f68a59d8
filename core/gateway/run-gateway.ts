// `branchyard gateway run <name>`: one gateway as a process of its own, reading its routes from
// the engine state on PostgreSQL, so several can stand behind a load balancer while the engine
// promotes. Route changes are picked up by polling, which needs nothing from the server but a
// query.
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { DATABASE_URL_ENV, openStore } from '../store/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';
import { GatewayManager } from './manager.ts';
import { routesFingerprint, stateRouteSource } from './state-routes.ts';

export interface RunGatewayOptions {
  paths: WorkspacePaths;
  name: string;
  env: NodeJS.ProcessEnv;
  events?: EventBus;
  ports?: { port: number; httpPort: number | null };
  pollMs?: number;
}

export async function runGateway(options: RunGatewayOptions): Promise<{ manager: GatewayManager } & Disposable> {
  const url = options.env[DATABASE_URL_ENV];
  if (!url) {
    throw new BranchyardError(
      'InvalidInputError',
      `a gateway of its own reads its routes from the engine state on PostgreSQL: set ${DATABASE_URL_ENV} for it and for the engine (the embedded state is open to one engine only)`,
    );
  }
  const store = await openStore({ stateDir: options.paths.stateDir, databaseUrl: url });
  let manager: GatewayManager;
  try {
    manager = await GatewayManager.start({
      paths: options.paths,
      only: [options.name],
      ports: options.ports,
      routeSource: stateRouteSource(store.db),
      events: options.events,
      strict: true,
    });
  } catch (error) {
    await store.dispose();
    throw error;
  }
  let seen = await routesFingerprint(store.db);
  let ticks = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const now = await routesFingerprint(store.db);
      // Routes are checked often; files (active branches, access rules) now and then.
      if (now !== seen || ++ticks % 20 === 0) {
        seen = now;
        await manager.reload();
      }
    })()
      .catch((error: unknown) =>
        options.events?.emit('progress', {
          task: `gateway:${options.name}`,
          step: 'reload',
          message: `routes not refreshed: ${String(error)}`,
          done: 0,
          total: 1,
        }),
      )
      .finally(() => (busy = false));
  }, options.pollMs ?? 500);
  return {
    manager,
    dispose: async () => {
      clearInterval(timer);
      await manager.dispose();
      await store.dispose();
    },
  };
}
