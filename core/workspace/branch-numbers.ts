// Branch numbers are five digits (`00007`) and revision numbers four (`0003`); people may type
// `7`. Stored and compared as integers, shown padded. Here in the workspace, the floor below git
// and logs, because they name the workspace's folders (`metadata/branches/00007`, the logs
// repository's `branches/00007`) and both of those parts spell them.
import { BranchyardError } from '../errors/index.ts';

export const MAX_BRANCH = 99_999;
export const MAX_REVISION = 9_999;

export function formatBranch(number: number): string {
  return String(number).padStart(5, '0');
}

export function formatRevision(number: number): string {
  return String(number).padStart(4, '0');
}

/** `7`, `007` or `00007` → 7; anything else names what was expected. */
export function parseBranchNumber(text: string | number, where = 'branch'): number {
  return parseNumber(text, where, MAX_BRANCH, 'a branch number such as 7 or 00007');
}

export function parseRevisionNumber(text: string | number, where = 'revision'): number {
  return parseNumber(text, where, MAX_REVISION, 'a revision number such as 3 or 0003');
}

function parseNumber(text: string | number, where: string, max: number, expected: string): number {
  const value = typeof text === 'number' ? text : /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new BranchyardError('InvalidInputError', `${where}: expected ${expected} (1 to ${max}), got "${text}"`, {
      field: where,
    });
  }
  return value;
}

/** Folder and ref names that are branch numbers. */
export const BRANCH_NAME = /^\d{5}$/;
export const REVISION_NAME = /^\d{4}$/;
