// Reading branch records. A folder counts as a branch once its branch.info.json is in place;
// a record that cannot be read is reported with its file and reason while the others are still
// listed.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';
import { BRANCH_NAME, formatBranch, readConfigFile } from '../workspace/index.ts';
import type { BranchInfo, ChangeEntry } from './branch-info.ts';
import { branchInfoSchema, changeEntrySchema } from './branch-info.ts';
import type { CodebaseHandle } from './codebase-handle.ts';

export interface BranchProblem {
  branch: string;
  file: string;
  reason: string;
}

export interface BranchListing {
  branches: BranchInfo[];
  problems: BranchProblem[];
}

/** Branch folder numbers present on disk (complete or not), ascending. */
export async function branchFolderNumbers(codebase: CodebaseHandle): Promise<number[]> {
  const names = await readdir(codebase.paths.branchesDir).catch(() => [] as string[]);
  return names
    .filter((n) => BRANCH_NAME.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

export async function listBranchRecords(codebase: CodebaseHandle): Promise<BranchListing> {
  const numbers = await branchFolderNumbers(codebase);
  const results = await Promise.all(numbers.map((n) => readInfo(codebase, n)));
  const listing: BranchListing = { branches: [], problems: [] };
  for (const result of results) {
    if (result.ok) listing.branches.push(result.info);
    else listing.problems.push(...result.problems);
  }
  return listing;
}

/** One branch's record; unknown branches and unreadable records are errors naming the file. */
export async function readBranchInfo(codebase: CodebaseHandle, number: number): Promise<BranchInfo> {
  const result = await readInfo(codebase, number);
  if (result.ok) return result.info;
  if (result.missing) {
    const numbers = await branchFolderNumbers(codebase);
    const newest = numbers.at(-1);
    throw new BranchyardError(
      'NotFoundError',
      `branch ${formatBranch(number)} of codebase ${codebase.paths.name} does not exist${newest ? ` (its branches run from 00001 to ${formatBranch(newest)})` : ''}`,
    );
  }
  throw new BranchyardError('CorruptMetadataError', result.problems.map((p) => `${p.file}: ${p.reason}`).join('\n'));
}

export async function readChanges(codebase: CodebaseHandle, number: number): Promise<ChangeEntry[]> {
  const file = path.join(codebase.paths.branch(formatBranch(number)), 'changes.json');
  const parsed = changeEntrySchema.array().safeParse(JSON.parse(await readFile(file, 'utf8').catch(() => '[]')));
  if (!parsed.success)
    throw new BranchyardError(
      'CorruptMetadataError',
      `${path.relative(codebase.workspace.root, file)}: ${parsed.error.issues[0]?.message ?? 'not a list of changes'}`,
    );
  return parsed.data;
}

export async function readBranchText(
  codebase: CodebaseHandle,
  number: number,
  file: 'summary.md' | 'diff.patch' | 'readme.md',
): Promise<string> {
  return readFile(path.join(codebase.paths.branch(formatBranch(number)), file), 'utf8').catch(() => '');
}

type InfoResult = { ok: true; info: BranchInfo } | { ok: false; missing: boolean; problems: BranchProblem[] };

async function readInfo(codebase: CodebaseHandle, number: number): Promise<InfoResult> {
  const branch = formatBranch(number);
  const relative = path.relative(codebase.workspace.root, path.join(codebase.paths.branch(branch), 'branch.info.json'));
  const result = await readConfigFile(codebase.workspace.root, relative, branchInfoSchema);
  if (result.ok) {
    if (result.value.number !== number) {
      return {
        ok: false,
        missing: false,
        problems: [
          { branch, file: relative, reason: `number: says ${result.value.number}, but the folder is ${branch}` },
        ],
      };
    }
    return { ok: true, info: result.value };
  }
  const missing = result.problems.some((p) => p.field === '' && p.reason.startsWith('missing'));
  if (missing)
    return {
      ok: false,
      missing,
      problems: [{ branch, file: relative, reason: 'missing: the branch folder has no record' }],
    };
  return {
    ok: false,
    missing,
    problems: result.problems.map((p) => ({
      branch,
      file: relative,
      reason: p.field ? `${p.field}: ${p.reason}` : p.reason,
    })),
  };
}
