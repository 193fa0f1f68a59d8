// `branchyard init`: a new workspace from templates/workspace/. The workspace is assembled in a
// hidden sibling folder and renamed into place only when complete, so a failure half-way never
// leaves a half-made workspace where the user asked for one.
import fs from 'node:fs';
import { cp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import git from 'isomorphic-git';
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import type { GatewayPorts } from './gateway-ports.ts';
import { chooseGatewayPorts } from './gateway-ports.ts';
import type { WorkspaceManifest } from './schemas.ts';
import { isValidName, NAME_RULE } from './schemas.ts';
import { MANIFEST_FILE } from './paths.ts';

const TEMPLATE_DIR = new URL('../../templates/workspace/', import.meta.url);

export const ENGINE_AUTHOR = { name: 'Branchyard', email: 'engine@branchyard.localhost' };

export interface InitOptions {
  dir: string;
  /** Workspace name; defaults to the folder's name made into a valid name. */
  name?: string | undefined;
  events?: EventBus | undefined;
  /** Workspaces whose gateway ports the new one must not take (the user's recent ones). */
  otherWorkspaces?: string[] | undefined;
  /**
   * Lays the template's files into the folder being assembled; by default templates/workspace/
   * is copied. `init --from` (core/template) lays a mother's files and its record here, so a
   * spawned workspace is made the same way, and as atomically, as a plain one.
   */
  template?: ((staging: string) => Promise<void>) | undefined;
}

export interface InitResult {
  root: string;
  name: string;
  commit: string;
  /** The ports its gateways were given, and how far they were moved off taken ones. */
  ports: GatewayPorts;
}

export async function initWorkspace(options: InitOptions): Promise<InitResult> {
  const root = path.resolve(options.dir);
  await assertUsableTarget(root);
  const name = options.name ?? nameFromFolder(root);
  if (!isValidName(name)) {
    throw new BranchyardError(
      'WorkspaceInitError',
      `workspace name "${name}" is not valid: use ${NAME_RULE} (pass --name)`,
    );
  }

  const task = `init:${root}`;
  const report = (step: string, message: string, done: number) =>
    options.events?.emit('progress', { task, step, message, done, total: 5 });

  await mkdir(path.dirname(root), { recursive: true });
  const staging = path.join(path.dirname(root), `.${path.basename(root)}.init-${randomBytes(4).toString('hex')}`);
  try {
    report('copy', 'copying the workspace template', 0);
    if (options.template) {
      await mkdir(staging);
      await options.template(staging);
    } else await cp(TEMPLATE_DIR, staging, { recursive: true, errorOnExist: true, force: false });

    report('ports', 'choosing free gateway ports', 1);
    const ports = await chooseGatewayPorts(staging, options.otherWorkspaces ?? []);

    report('manifest', `writing ${MANIFEST_FILE}`, 2);
    const manifest: WorkspaceManifest = {
      name,
      formatVersion: 1,
      createdAt: new Date().toISOString(),
      logsRepository: `../${path.basename(root)}-logs`,
    };
    await writeFile(path.join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);

    report('git', 'making the workspace a git repository', 3);
    const commit = await commitEverything(staging, `Create workspace ${name}`);

    report('place', `placing the workspace at ${root}`, 4);
    await rename(staging, root);
    report('done', `workspace ${name} is ready`, 5);
    options.events?.emit('workspace.initialized', { dir: root, name });
    return { root, name, commit, ports };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error instanceof BranchyardError
      ? error
      : new BranchyardError('WorkspaceInitError', `cannot create a workspace at ${root}: ${(error as Error).message}`, {
          cause: error,
        });
  }
}

/** A new or empty folder; anything else is refused before work starts. */
export async function assertUsableTarget(root: string): Promise<void> {
  let info;
  try {
    info = await stat(root);
  } catch {
    return; // does not exist: fine
  }
  if (!info.isDirectory())
    throw new BranchyardError(
      'WorkspaceInitError',
      `${root} is a file, not a folder; init needs a new or empty folder`,
    );
  const entries = await readdir(root);
  if (entries.length > 0) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
    throw new BranchyardError(
      'WorkspaceInitError',
      `${root} is not empty (it holds ${shown}); init needs a new or empty folder`,
    );
  }
}

function nameFromFolder(root: string): string {
  const slug = path
    .basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 40);
  return slug || 'workspace';
}

async function commitEverything(dir: string, message: string): Promise<string> {
  await git.init({ fs, dir, defaultBranch: 'main' });
  await git.add({ fs, dir, filepath: '.' });
  return git.commit({ fs, dir, message, author: ENGINE_AUTHOR });
}
