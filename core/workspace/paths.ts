// Where things live inside a workspace (DESIGN.md §3). Every other part asks here instead of
// joining paths itself, so the layout is written down once.
import path from 'node:path';

export const MANIFEST_FILE = 'branchyard.json';

export interface WorkspacePaths {
  root: string;
  manifest: string;
  /** Engine-private files: state database, lock, serve address. Ignored by git, user-only. */
  engineDir: string;
  stateDir: string;
  /** Where a running `branchyard serve` leaves its address and token (mode 0600). */
  serveAddress: string;
  /**
   * Where new records are assembled before they are renamed into place: inside the workspace
   * (so the rename is atomic) but outside what git walks, so a half-made folder is never seen.
   */
  stagingDir: string;
  sharedContext: string;
  serversConfig: string;
  aiConfig: string;
  gatewaysDir: string;
  databasesDir: string;
  /** The sockets of the embedded databases, one folder each, mounted into branch containers. */
  databaseSocketsDir: string;
  codebasesDir: string;
  codebase(name: string): string;
}

export function workspacePaths(root: string): WorkspacePaths {
  const abs = path.resolve(root);
  return {
    root: abs,
    manifest: path.join(abs, MANIFEST_FILE),
    engineDir: path.join(abs, '.branchyard'),
    stateDir: path.join(abs, '.branchyard', 'state'),
    stagingDir: path.join(abs, '.branchyard', 'staging'),
    serveAddress: path.join(abs, '.branchyard', 'serve.json'),
    sharedContext: path.join(abs, 'shared-context'),
    serversConfig: path.join(abs, 'servers', 'config.json'),
    aiConfig: path.join(abs, 'ai', 'config.json'),
    gatewaysDir: path.join(abs, 'gateways'),
    databasesDir: path.join(abs, 'databases'),
    databaseSocketsDir: path.join(abs, '.branchyard', 'run', 'databases'),
    codebasesDir: path.join(abs, 'codebases'),
    codebase: (name) => path.join(abs, 'codebases', name),
  };
}

/** The folders of one codebase (DESIGN.md §3); its code history is the bare repository `source.git`. */
export interface CodebasePaths {
  name: string;
  dir: string;
  activeBranch: string;
  context: string;
  metadata: string;
  branchesDir: string;
  branch(number: string): string;
  revisionsDir: string;
  revision(number: string): string;
  /** The codebase's own git history (bare): branches 00001, 00002, … Ignored by the workspace repository. */
  gitdir: string;
}

export function codebasePaths(paths: WorkspacePaths, name: string): CodebasePaths {
  const dir = paths.codebase(name);
  const metadata = path.join(dir, 'metadata');
  return {
    name,
    dir,
    activeBranch: path.join(dir, 'active-branch'),
    context: path.join(dir, 'context'),
    metadata,
    branchesDir: path.join(metadata, 'branches'),
    branch: (number) => path.join(metadata, 'branches', number),
    revisionsDir: path.join(metadata, 'dev-revisions'),
    revision: (number) => path.join(metadata, 'dev-revisions', number),
    gitdir: path.join(dir, 'source.git'),
  };
}
