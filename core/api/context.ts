// What every procedure can reach: the engine of the open workspace, and what the transport adds
// (the window's workspace switch, the folders it may name). Built by whoever hosts the router:
// the CLI, serve, Electron. A caller may give the engine's parts instead (a test calling the
// router directly); they get an engine of their own for the call.
import { Engine } from '../engine/index.ts';
import { aboutField } from '../errors/index.ts';
import type { EngineParts } from '../engine/index.ts';
import { checkFolder } from '../workspace/index.ts';

export type EngineContext = ({ engine: Engine } | EngineParts) & {
  /** Opens another workspace in this engine's place (the window's workspace picker). */
  switchWorkspace?: (dir: string) => Promise<{ root: string; name: string }>;
  /**
   * Where host folders named in a call may lie (with the open workspace), set by the window's
   * transports; unset for the user's own hand: the CLI, and scripts holding serve's token.
   */
  folderRoots?: readonly string[];
};

const made = new WeakMap<EngineParts, Engine>();

export function engineOf(ctx: EngineContext): Engine {
  if ('engine' in ctx) return ctx.engine;
  let engine = made.get(ctx);
  if (!engine) made.set(ctx, (engine = new Engine(ctx)));
  return engine;
}

/**
 * A host folder named in a call, absolute and (from the window) under the allowed roots. `what`
 * opens its errors: the input's name when one input names the folder (`dir`), else what it is.
 */
export function hostFolder(ctx: EngineContext, what: string, dir: string): Promise<string> {
  const root = engineOf(ctx).workspaceRoot;
  const roots = ctx.folderRoots && root ? [...ctx.folderRoots, root] : ctx.folderRoots;
  return aboutField(what, () => checkFolder(what, dir, roots));
}
