// Which host folders the window may name (a workspace to make or open, a folder to make a branch
// from). It types them into its pickers; whatever runs in its page could type anything, so over
// the window's transports a folder must lie under an allowed root: by default the user's home,
// the system's temporary folder and the desktop app's data folder, plus the open workspace.
// BRANCHYARD_ALLOWED_ROOTS (absolute folders, separated like PATH) replaces the defaults.
import { realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';

export const ALLOWED_ROOTS_ENV = 'BRANCHYARD_ALLOWED_ROOTS';

export function allowedFolderRoots(env: NodeJS.ProcessEnv): string[] {
  const configured = env[ALLOWED_ROOTS_ENV];
  if (configured === undefined || configured.trim() === '') {
    const home = env.HOME || os.homedir();
    // The desktop app keeps its workspaces there, a hidden folder of the home (see below).
    const appData = path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'branchyard');
    return [home, os.tmpdir(), appData].map((root) => path.resolve(root));
  }
  const roots = configured.split(path.delimiter).filter((root) => root !== '');
  const relative = roots.find((root) => !path.isAbsolute(root));
  if (relative !== undefined)
    throw new BranchyardError(
      'InvalidInputError',
      `${ALLOWED_ROOTS_ENV}: ${relative} is not an absolute folder; list absolute folders separated by "${path.delimiter}"`,
    );
  return roots.map((root) => path.resolve(root));
}

/**
 * The folder as an absolute, normalised path. `what` names the field for the message. A relative
 * path is refused everywhere: it would be taken from the engine's working folder, not the
 * caller's. With `roots`, the folder (symbolic links followed) must lie under one of them, and
 * not in a hidden folder there (`~/.ssh`, `~/.aws`): those hold keys, never a codebase.
 */
export async function checkFolder(what: string, dir: string, roots?: readonly string[]): Promise<string> {
  if (!path.isAbsolute(dir))
    throw new BranchyardError(
      'InvalidInputError',
      `${what} ${JSON.stringify(dir)}: expected an absolute path; a relative one would be taken from the engine's working folder, not yours`,
    );
  const resolved = path.resolve(dir);
  if (!roots) return resolved;
  const real = await realExisting(resolved);
  let hiddenUnder: string | undefined;
  for (const root of roots) {
    const inside = path.relative(await realExisting(path.resolve(root)), real);
    if (inside.startsWith('..') || path.isAbsolute(inside)) continue;
    if (!inside.split(path.sep).some((part) => part.startsWith('.'))) return resolved;
    hiddenUnder ??= root;
  }
  if (hiddenUnder !== undefined) {
    throw new BranchyardError(
      'InvalidInputError',
      `${what} ${dir}: is in a hidden folder under ${hiddenUnder}; the window may not name hidden folders (they hold keys and settings, not codebases)`,
    );
  }
  throw new BranchyardError(
    'InvalidInputError',
    `${what} ${dir}: is outside the folders the window may name (${roots.join(', ')}); move it under one of them, list its folder in ${ALLOWED_ROOTS_ENV} when starting the engine, or name it from the command line, which may name any folder`,
  );
}

/** The real path of the folder, or of its nearest existing parent with the rest appended (a folder to be made). */
async function realExisting(dir: string): Promise<string> {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      return path.join(await realpath(current), ...missing.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return dir;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}
