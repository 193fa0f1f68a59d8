// Where a codebase's branch processes keep their entries, sockets, logs and PM2's home on the
// host, whichever backend runs them.
import path from 'node:path';
import { formatBranch } from '../git/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';
import type { RunFolders } from './types.ts';

export function runFolders(workspace: WorkspacePaths, codebase: string): RunFolders {
  const run = path.join(workspace.engineDir, 'run', codebase);
  return {
    apps: path.join(run, 'pm2'),
    sockets: path.join(run, 'sockets'),
    logs: path.join(run, 'logs'),
    builds: path.join(workspace.engineDir, 'builds', codebase, 'out'),
    databases: workspace.databaseSocketsDir,
    home: path.join(run, 'pm2-home'),
  };
}

/** The unix socket a branch listens on, whichever backend runs it: what gateways connect to. */
export function branchSocketPath(workspace: WorkspacePaths, codebase: string, branch: number): string {
  return path.join(runFolders(workspace, codebase).sockets, `${formatBranch(branch)}.sock`);
}
