// Paths inside a branch are relative, use "/", and never leave the branch: no "..", no absolute
// paths, no ".git" folders (git itself refuses those in trees), no empty segments.
import { BranchyardError } from '../errors/index.ts';
import type { ChangeSet } from './tree-write.ts';

export function checkBranchPath(raw: string, where: string): string {
  const fail = (why: string) => new BranchyardError('InvalidInputError', `${where}: "${raw}" ${why}`);
  if (raw.includes('\0')) throw fail('holds a NUL character');
  if (raw.includes('\\')) throw fail('uses "\\"; paths in a branch use "/"');
  if (raw.startsWith('/')) throw fail('is absolute; paths are relative to the branch root');
  const parts = raw.replace(/^\.\//, '').split('/');
  for (const part of parts) {
    if (part === '..') throw fail('escapes the branch (".." is not allowed)');
    if (part === '' || part === '.') throw fail('has an empty or "." segment');
    if (part.toLowerCase() === '.git') throw fail('names a ".git" folder, which a branch cannot hold');
  }
  return parts.join('/');
}

/** Checks every path and refuses a change set that says two things about one file. */
export function checkChangeSet(changes: ChangeSet, where: string): ChangeSet {
  const seen = new Set<string>();
  const once = (p: string) => {
    if (seen.has(p)) throw new BranchyardError('InvalidInputError', `${where}: "${p}" is changed twice in one branch`);
    seen.add(p);
    return p;
  };
  return {
    writes: changes.writes.map((w) => ({ ...w, path: once(checkBranchPath(w.path, where)) })),
    deletes: changes.deletes.map((d) => once(checkBranchPath(d, where))),
  };
}
