// What a host gives its engine: the event bus, the environment, the workspace, and the pieces
// only some hosts have (the live engine's runtime, gateways, logs and terminals; the databases).
// A CLI command in its own process has the state and the databases; `serve` and the desktop
// app have everything.
import type { EventBus } from '../events/index.ts';
import type { GatewayManager } from '../gateway/index.ts';
import type { LogService } from '../logs/index.ts';
import type { Pm2Runtime } from '../runtime/index.ts';
import type { DatabaseHost } from '../schema/index.ts';
import type { StateDb } from '../store/index.ts';
import type { TerminalService } from '../terminal/index.ts';

export interface EngineParts {
  events: EventBus;
  env: NodeJS.ProcessEnv;
  /** The workspace the engine works on, when there is one. */
  workspaceRoot: string | undefined;
  /** The engine state, opened (and brought up to date with the files) on first use. */
  state: () => Promise<StateDb>;
  /** The branch runtime; only the live engine (`serve`, the desktop app) has one. */
  runtime?: () => Promise<Pm2Runtime>;
  /** The live gateways; only the live engine has them. */
  gateways?: () => GatewayManager;
  /** The live engine's log writers (for following logs as they are written). */
  logs?: LogService;
  /** The workspace's databases: served to branches by the live engine, opened for the command otherwise. */
  databases?: () => DatabaseHost;
  /** Terminals into branches; only the live engine has them. */
  terminals?: () => TerminalService;
}
