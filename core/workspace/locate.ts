// The workspace a command works on: --workspace, else the nearest folder at or above the
// current one that holds branchyard.json (CLI.md).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';
import { MANIFEST_FILE } from './paths.ts';

export async function locateWorkspace(options: { explicit?: string | undefined; cwd: string }): Promise<string> {
  if (options.explicit) {
    const root = path.resolve(options.cwd, options.explicit);
    if (!(await isFile(path.join(root, MANIFEST_FILE)))) {
      throw new BranchyardError(
        'WorkspaceNotFoundError',
        `${root} is not a Branchyard workspace (it has no ${MANIFEST_FILE})`,
        { hint: { do: 'init-workspace', dir: options.explicit } },
      );
    }
    return root;
  }
  let dir = path.resolve(options.cwd);
  for (;;) {
    if (await isFile(path.join(dir, MANIFEST_FILE))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new BranchyardError(
    'WorkspaceNotFoundError',
    `no workspace at or above ${path.resolve(options.cwd)} (no ${MANIFEST_FILE} found)`,
    { hint: { do: 'choose-workspace' } },
  );
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
