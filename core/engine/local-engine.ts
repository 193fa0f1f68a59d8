// The engine of one CLI command run without `serve`: the engine state (opened on first use, and
// waited for while another command holds it) and the workspace's databases; no runtime, gateways
// or terminals, so what needs those says it needs the live engine.
import type { EventBus } from '../events/index.ts';
import { toDisposable } from '../lifecycle/index.ts';
import { Engine } from './engine.ts';
import { lazyState } from './state.ts';

export function openLocalEngine(options: {
  workspaceRoot: string | undefined;
  env: NodeJS.ProcessEnv;
  events: EventBus;
  purpose?: string;
}): Engine {
  const state = lazyState(options);
  const engine = new Engine({
    events: options.events,
    env: options.env,
    workspaceRoot: options.workspaceRoot,
    state: state.state,
    databases: state.databases,
  });
  // Closed after the engine's own jobs stop.
  engine.own(toDisposable(() => state.dispose()));
  return engine;
}
