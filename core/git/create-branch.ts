// A new numbered branch: the changes are laid over the parent's tree and written as objects
// (the slow part, done without any lock, so several branches can be produced at once); then,
// under the codebase's number lock, the next free number is taken, the commit and the ref are
// written and the record is renamed into place. The rename is the moment the branch exists:
// before it, recovery removes every trace; after it, the branch is complete.
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import { withFileLock } from '../locks/index.ts';
import type { BranchInfo, ChangeEntry } from './branch-info.ts';
import { initialChecks } from './branch-info.ts';
import { listBranchRecords, readBranchInfo } from './branch-records.ts';
import { checkChangeSet } from './change-paths.ts';
import type { CodebaseHandle } from './codebase-handle.ts';
import { personalizeReadme, summaryText, writeBranchRecord } from './metadata-files.ts';
import { formatBranch, MAX_BRANCH } from '../workspace/index.ts';
import { nextBranchNumber, numbersLock, recoverLocked } from './recover.ts';
import { commitTree, createBranchRef, resolveBranch, writeCommit } from './repository.ts';
import { diffBetween } from './tree-diff.ts';
import type { ChangeSet } from './tree-write.ts';
import { applyChanges } from './tree-write.ts';
import { stagingFolder } from './staging.ts';
import { commitToWorkspace } from './workspace-commit.ts';

export const BRANCH_STEPS = ['objects', 'number', 'commit', 'record', 'ref', 'publish', 'workspace'] as const;
export type BranchStep = (typeof BRANCH_STEPS)[number];

export interface CreateBranchOptions {
  codebase: CodebaseHandle;
  /** The workspace's logs repository (its manifest's `logsRepository`), for the logs references. */
  logsRepository: string;
  /** The branch it is based on; undefined means the newest. */
  parent?: number | undefined;
  changes: ChangeSet;
  author: 'agent' | 'user';
  devRevision?: number | null | undefined;
  /** One line: what the branch is. */
  message: string;
  /** The agent's summary of what changed, for summary.md. */
  summary?: string | undefined;
  events?: EventBus | undefined;
  date?: Date | undefined;
  /** False while a new codebase is still being assembled outside the workspace's view. */
  recordInWorkspace?: boolean | undefined;
}

export interface CreatedBranch {
  info: BranchInfo;
  changes: ChangeEntry[];
  /** The workspace commit that recorded the branch, when it could be made. */
  workspaceCommit: string | undefined;
  warnings: string[];
}

export async function createBranch(options: CreateBranchOptions): Promise<CreatedBranch> {
  const { codebase } = options;
  const parent = options.parent ?? (await newestBranch(codebase));
  const parentInfo = await readBranchInfo(codebase, parent);
  const parentCommit = await resolveBranch(codebase.repo, parent);
  if (parentCommit !== parentInfo.commit) {
    throw new BranchyardError(
      'GitError',
      `branch ${formatBranch(parent)} of ${codebase.paths.name}: its git ref ${parentCommit ? `points at ${parentCommit}` : 'is missing'}, but its record says ${parentInfo.commit}`,
    );
  }
  return writeBranch(options, parentInfo, await commitTree(codebase.repo, parentCommit));
}

/** The first branch, 00001, holding the boilerplate. */
export async function createFirstBranch(
  options: Omit<CreateBranchOptions, 'parent'> & { role: string },
): Promise<CreatedBranch> {
  return writeBranch(options, null, null, options.role);
}

async function writeBranch(
  options: CreateBranchOptions,
  parent: BranchInfo | null,
  parentTree: string | null,
  role?: string,
): Promise<CreatedBranch> {
  const { codebase, events } = options;
  const task = `branch:${codebase.paths.name}:${randomBytes(3).toString('hex')}`;
  // `done` counts the steps finished with this one, so the last step reads as complete.
  const step = (name: BranchStep, message: string) =>
    events?.emit('progress', {
      task,
      step: name,
      message,
      done: BRANCH_STEPS.indexOf(name) + 1,
      total: BRANCH_STEPS.length,
    });
  const message = options.message.trim().split('\n')[0] || 'Change';
  const changes = checkChangeSet(options.changes, `branch of ${codebase.paths.name}`);

  const tree = await applyChanges(codebase.repo, parentTree, changes);
  if (tree === parentTree) {
    throw new BranchyardError(
      'InvalidInputError',
      `nothing changes: the files given are the same as in branch ${formatBranch(parent!.number)} of ${codebase.paths.name}`,
    );
  }
  const diff = await diffBetween(codebase.repo, parentTree, tree);
  step('objects', `wrote the objects of ${diff.changes.length} changed file${diff.changes.length === 1 ? '' : 's'}`);

  const date = options.date ?? new Date();
  const published = await withFileLock(
    numbersLock(codebase),
    { what: `branch numbering of ${codebase.paths.name}`, waitMs: 60_000 },
    async () => {
      await recoverLocked(codebase);
      const number = await nextBranchNumber(codebase);
      if (number > MAX_BRANCH)
        throw new BranchyardError(
          'InvalidInputError',
          `codebase ${codebase.paths.name} has used every branch number up to ${MAX_BRANCH}`,
        );
      step('number', `this is branch ${formatBranch(number)}`);
      const commit = await writeCommit(codebase.repo, {
        tree,
        parents: parent ? [parent.commit] : [],
        message: `${formatBranch(number)}: ${message}\n`,
        author: {
          name: options.author === 'agent' ? 'Branchyard agent' : 'Branchyard user',
          email: `${options.author}@branchyard.localhost`,
        },
        date,
      });
      step('commit', `commit ${commit.slice(0, 7)}`);
      const info: BranchInfo = {
        number,
        parent: parent?.number ?? null,
        commit,
        createdAt: date.toISOString(),
        author: options.author,
        devRevision: options.devRevision ?? null,
        message,
        status: 'created',
        checks: initialChecks(),
      };
      const final = codebase.paths.branch(formatBranch(number));
      const staging = await stagingFolder(codebase.workspace, codebase.paths.name, 'branch');
      try {
        await writeBranchRecord(
          staging,
          {
            info,
            changes: diff.changes,
            patch: diff.patch,
            summary: summaryText({
              number,
              parent: info.parent,
              message,
              summary: options.summary,
              changes: diff.changes,
            }),
            logsLocation: `${options.logsRepository}/codebases/${codebase.paths.name}/branches/${formatBranch(number)}`,
          },
          parent ? codebase.paths.branch(formatBranch(parent.number)) : null,
        );
        if (role !== undefined) await personalizeReadme(staging, codebase.paths.name, role);
        step('record', 'wrote the branch record');
        await createBranchRef(codebase.repo, number, commit);
        step('ref', `git ref ${formatBranch(number)} written`);
        await rename(staging, final);
      } catch (error) {
        await rm(staging, { recursive: true, force: true });
        throw error;
      }
      step('publish', `branch ${formatBranch(number)} is in place`);
      return { info, final };
    },
  );

  const warnings: string[] = [];
  const workspaceCommit =
    options.recordInWorkspace === false
      ? undefined
      : await commitToWorkspace(
          codebase.workspace,
          [published.final],
          `${codebase.paths.name} ${formatBranch(published.info.number)}: ${message}`,
        ).catch((error: unknown) => {
          // The branch exists and is complete; the workspace commit is redone at the next recovery.
          warnings.push(
            `the workspace repository did not record branch ${formatBranch(published.info.number)} yet: ${(error as Error).message}`,
          );
          return undefined;
        });
  step('workspace', 'recorded in the workspace repository');
  events?.emit('branch.created', {
    codebase: codebase.paths.name,
    number: published.info.number,
    parent: published.info.parent,
    author: options.author,
  });
  return { info: published.info, changes: diff.changes, workspaceCommit, warnings };
}

export async function newestBranch(codebase: CodebaseHandle): Promise<number> {
  const { branches } = await listBranchRecords(codebase);
  const newest = branches.at(-1);
  if (!newest) throw new BranchyardError('NotFoundError', `codebase ${codebase.paths.name} has no branches yet`);
  return newest.number;
}
