// A codebase as the git handler sees it: its folders and its code repository. Opening one that
// does not exist names the codebases that do.
import { stat } from 'node:fs/promises';
import { BranchyardError } from '../errors/index.ts';
import type { CodebasePaths, WorkspacePaths } from '../workspace/index.ts';
import { codebaseNames, codebasePaths, isValidName, NAME_RULE } from '../workspace/index.ts';
import type { Repository } from './repository.ts';
import { openRepository } from './repository.ts';

export interface CodebaseHandle {
  workspace: WorkspacePaths;
  paths: CodebasePaths;
  repo: Repository;
}

export async function openCodebase(workspace: WorkspacePaths, name: string): Promise<CodebaseHandle> {
  if (!isValidName(name))
    throw new BranchyardError('InvalidInputError', `codebase name "${name}" is not valid: use ${NAME_RULE}`);
  const paths = codebasePaths(workspace, name);
  const isRepo = await stat(paths.gitdir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isRepo) {
    const known = await codebaseNames(workspace);
    const list = known.length ? `the codebases are: ${known.join(', ')}` : 'there are no codebases yet';
    throw new BranchyardError('NotFoundError', `codebase "${name}" does not exist in ${workspace.root}; ${list}`, {
      hint: known.length ? undefined : { do: 'add-codebase' },
    });
  }
  return { workspace, paths, repo: openRepository(paths.gitdir) };
}
