// A branch as the engine works on it: the workspace (read once per call), the codebase's handle
// and the branch's number, parsed once where the call comes in, never again further down.
import type { CodebaseHandle } from '../git/index.ts';
import { openCodebase, parseBranchNumber } from '../git/index.ts';
import type { Workspace } from '../workspace/index.ts';

export interface CodebaseRef {
  workspace: Workspace;
  codebase: CodebaseHandle;
  /** The codebase's name, as the user gave it. */
  name: string;
}

export interface BranchRef extends CodebaseRef {
  branch: number;
}

export async function codebaseRef(workspace: Workspace, name: string): Promise<CodebaseRef> {
  return { workspace, codebase: await openCodebase(workspace.paths, name), name };
}

/** `branch` as given (7, '7', '00007'); `label` names the field in the error a bad one gets. */
export async function branchRef(
  workspace: Workspace,
  name: string,
  branch: string | number,
  label = 'branch',
): Promise<BranchRef> {
  const codebase = await codebaseRef(workspace, name);
  return { ...codebase, branch: parseBranchNumber(branch, label) };
}
