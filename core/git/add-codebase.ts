// `codebase add <name>`: the codebase folder of DESIGN.md §3 and its code history, whose first
// branch 00001 holds templates/codebase/ (or the workspace's own codebase-boilerplate/).
// Assembled under a hidden name and renamed into place, so a failure never leaves a half-made
// codebase behind.
import { appendFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';
import { codebasePaths, formatBranch, isValidName, NAME_RULE } from '../workspace/index.ts';
import type { CodebaseHandle } from './codebase-handle.ts';
import type { CreatedBranch } from './create-branch.ts';
import { createFirstBranch } from './create-branch.ts';
import { readOverlayDir } from './overlay-dir.ts';
import { initRepository } from './repository.ts';
import { stagingFolder } from './staging.ts';
import { commitToWorkspace } from './workspace-commit.ts';

export const CODEBASE_TEMPLATE = fileURLToPath(new URL('../../templates/codebase/', import.meta.url));
const CONTEXT_FOLDERS = ['helpers/links', 'helpers/snippets', 'helpers/screenshots'];

export interface AddCodebaseOptions {
  workspace: WorkspacePaths;
  logsRepository: string;
  name: string;
  /** What the codebase is for, written into its readme.md. */
  role?: string | undefined;
  events?: EventBus | undefined;
}

export interface AddedCodebase {
  name: string;
  dir: string;
  first: CreatedBranch;
  workspaceCommit: string | undefined;
}

export async function addCodebase(options: AddCodebaseOptions): Promise<AddedCodebase> {
  const { workspace, name } = options;
  if (!isValidName(name))
    throw new BranchyardError('InvalidInputError', `codebase name "${name}" is not valid: use ${NAME_RULE}`);
  const final = workspace.codebase(name);
  if (
    await stat(final).then(
      () => true,
      () => false,
    )
  ) {
    throw new BranchyardError('InvalidInputError', `codebase "${name}" already exists at ${final}; pick another name`);
  }

  const staging = await stagingFolder(workspace, name, 'codebase');
  const stagingPaths = codebasePaths({ ...workspace, codebase: () => staging }, name);
  try {
    await mkdir(stagingPaths.branchesDir, { recursive: true });
    await mkdir(stagingPaths.revisionsDir, { recursive: true });
    for (const folder of CONTEXT_FOLDERS) {
      await mkdir(path.join(stagingPaths.context, folder), { recursive: true });
      await writeFile(path.join(stagingPaths.context, folder, '.gitkeep'), '');
    }
    await writeFile(path.join(stagingPaths.revisionsDir, '.gitkeep'), '');
    const boilerplate = await boilerplateOf(workspace);
    const repo = await initRepository(stagingPaths.gitdir, formatBranch(1));
    const handle: CodebaseHandle = { workspace, paths: stagingPaths, repo };
    const first = await createFirstBranch({
      codebase: handle,
      logsRepository: options.logsRepository,
      changes: await readOverlayDir(boilerplate),
      author: 'user',
      message:
        boilerplate === CODEBASE_TEMPLATE
          ? 'Boilerplate with an example feature'
          : `Boilerplate from the workspace's ${WORKSPACE_BOILERPLATE}/`,
      summary:
        boilerplate === CODEBASE_TEMPLATE
          ? 'The codebase starts from the Branchyard boilerplate: `src/features/notes` is a working example feature (controllers, services, validators, models, queries), with shared errors and config.'
          : `The codebase starts from the workspace's own boilerplate (\`${WORKSPACE_BOILERPLATE}/\`, from its template).`,
      role: options.role?.trim() || `The ${name} service. Describe here what it is for.`,
      events: options.events,
      recordInWorkspace: false,
    });
    await writeFile(stagingPaths.activeBranch, `${formatBranch(first.info.number)}\n`);
    await rename(staging, final);
    const ignore = await ignoreCodeHistories(workspace);
    const workspaceCommit = await commitToWorkspace(workspace, [final, ...ignore], `Add codebase ${name}`);
    options.events?.emit('codebase.added', { name });
    return { name, dir: final, first, workspaceCommit };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** A workspace spawned from a mother may carry its team's boilerplate (README: Workspace templates). */
export const WORKSPACE_BOILERPLATE = 'codebase-boilerplate';

async function boilerplateOf(workspace: WorkspacePaths): Promise<string> {
  const own = path.join(workspace.root, WORKSPACE_BOILERPLATE);
  return (await stat(own).catch(() => undefined))?.isDirectory() ? own : CODEBASE_TEMPLATE;
}

const IGNORE_RULE = 'codebases/*/source.git/';

/** Workspaces made before codebases had their own history lack this rule; returns the file when it was added. */
async function ignoreCodeHistories(workspace: WorkspacePaths): Promise<string[]> {
  const file = path.join(workspace.root, '.gitignore');
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.split('\n').some((line) => line.trim() === IGNORE_RULE)) return [];
  await appendFile(
    file,
    `${text && !text.endsWith('\n') ? '\n' : ''}# Each codebase's code has its own git history in source.git.\n${IGNORE_RULE}\n`,
  );
  return [file];
}
