// What every procedure can reach. Built once by whoever hosts the router (CLI, serve, Electron).
import type { EventBus } from '../events/index.ts';
import type { LogService } from '../logs/index.ts';
import type { GatewayManager } from '../gateway/index.ts';
import type { Pm2Runtime } from '../runtime/index.ts';
import type { DatabaseHost } from '../schema/index.ts';
import type { TerminalService } from '../terminal/index.ts';
import type { StateDb } from '../store/index.ts';
import type { Workspace } from '../workspace/index.ts';
import { checkFolder, loadWorkspace } from '../workspace/index.ts';
import { BranchyardError } from '../errors/index.ts';

export interface EngineContext {
  events: EventBus;
  env: NodeJS.ProcessEnv;
  /** The workspace the engine works on, when there is one. */
  workspaceRoot: string | undefined;
  /** The engine state, opened (and brought up to date with the files) on first use. */
  state: () => Promise<StateDb>;
  /** The branch runtime; only the live engine (`branchyard serve`, the desktop app) has one. */
  runtime?: () => Promise<Pm2Runtime>;
  /** The live gateways; only the live engine has them. */
  gateways?: () => GatewayManager;
  /** The live engine's log writers (for following logs as they are written). */
  logs?: LogService;
  /** The workspace's databases: served to branches by the live engine, opened for the command otherwise. */
  databases?: () => DatabaseHost;
  /** Terminals into branches; only the live engine has them. */
  terminals?: () => TerminalService;
  /** Opens another workspace in this engine's place (the window's workspace picker). */
  switchWorkspace?: (dir: string) => Promise<{ root: string; name: string }>;
  /**
   * Where host folders named in a call may lie (with the open workspace), set by the window's
   * transports; unset for the user's own hand: the CLI, and scripts holding serve's token.
   */
  folderRoots?: readonly string[];
}

/** A host folder named in a call, absolute and (from the window) under the allowed roots. */
export function hostFolder(ctx: EngineContext, what: string, dir: string): Promise<string> {
  const roots = ctx.folderRoots && ctx.workspaceRoot ? [...ctx.folderRoots, ctx.workspaceRoot] : ctx.folderRoots;
  return checkFolder(what, dir, roots);
}

export function requireRuntime(ctx: EngineContext): Promise<Pm2Runtime> {
  if (!ctx.runtime) {
    throw new BranchyardError('EngineNotRunningError', 'running branches needs the live engine: start it with `branchyard serve` in this workspace, then run this command again');
  }
  return ctx.runtime();
}

export function requireGateways(ctx: EngineContext): GatewayManager {
  if (!ctx.gateways) {
    throw new BranchyardError('EngineNotRunningError', 'promoting needs the live engine and its gateways: start it with `branchyard serve` in this workspace, then run this command again');
  }
  return ctx.gateways();
}

export function requireDatabases(ctx: EngineContext): DatabaseHost {
  if (!ctx.databases) throw new BranchyardError('EngineNotRunningError', 'this needs the workspace\'s databases, which this engine has not opened');
  return ctx.databases();
}

/** Loads the workspace afresh: its files may have been edited by hand since the last call. */
export async function requireWorkspace(ctx: EngineContext): Promise<Workspace> {
  if (!ctx.workspaceRoot) {
    throw new BranchyardError('WorkspaceNotFoundError', 'no workspace is open; pass --workspace <dir> or create one with `branchyard init <dir>`');
  }
  return loadWorkspace(ctx.workspaceRoot);
}
