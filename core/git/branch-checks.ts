// The parts of a branch record that change after it is made: its status, its check results and
// whether its schema copy is behind. Written beside and renamed over (a crash never leaves half
// a record), under the codebase's number lock (one writer at a time), and committed to the
// workspace repository.
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { withFileLock } from '../locks/index.ts';
import type { BranchInfo, BranchStatus, CheckName, CheckResult, SchemaBehind } from './branch-info.ts';
import { readBranchInfo } from './branch-records.ts';
import type { CodebaseHandle } from './codebase-handle.ts';
import { formatBranch } from '../workspace/index.ts';
import { numbersLock } from './recover.ts';
import { commitToWorkspace } from './workspace-commit.ts';

export async function recordChecks(
  codebase: CodebaseHandle,
  number: number,
  update: {
    status?: BranchStatus;
    checks?: Partial<Record<CheckName, CheckResult>>;
    /** Files of the branch's metadata written with it (a report), committed together. */ files?: string[];
  },
): Promise<BranchInfo> {
  const folder = codebase.paths.branch(formatBranch(number));
  const info = await rewriteInfo(codebase, number, (current) => ({
    ...current,
    status: update.status ?? current.status,
    checks: { ...current.checks, ...update.checks },
  }));
  const summary = Object.entries(update.checks ?? {})
    .map(([name, check]) => `${name} ${check.status}`)
    .join(', ');
  await commitToWorkspace(
    codebase.workspace,
    [path.join(folder, 'branch.info.json'), ...(update.files ?? [])],
    `${codebase.paths.name} ${formatBranch(number)}: ${[update.status, summary].filter(Boolean).join('; ')}`,
  );
  return info;
}

/**
 * Marks branches whose schema copy is behind their database's shared schema (or clears the mark
 * with null), all in one commit; branches already marked that way are left as they are.
 */
export async function markSchemaBehind(
  codebase: CodebaseHandle,
  marks: ReadonlyArray<{ number: number; behind: SchemaBehind | null }>,
  message: string,
): Promise<number[]> {
  const changed: number[] = [];
  for (const { number, behind } of marks) {
    const current = await readBranchInfo(codebase, number);
    if (
      (current.schemaBehind === undefined && behind === null) ||
      (current.schemaBehind && behind && current.schemaBehind.migration === behind.migration)
    )
      continue;
    await rewriteInfo(codebase, number, ({ schemaBehind: _dropped, ...rest }) =>
      behind ? { ...rest, schemaBehind: behind } : rest,
    );
    changed.push(number);
  }
  if (changed.length > 0)
    await commitToWorkspace(
      codebase.workspace,
      changed.map((n) => path.join(codebase.paths.branch(formatBranch(n)), 'branch.info.json')),
      `${codebase.paths.name}: ${message}`,
    );
  return changed;
}

function rewriteInfo(
  codebase: CodebaseHandle,
  number: number,
  change: (current: BranchInfo) => BranchInfo,
): Promise<BranchInfo> {
  const file = path.join(codebase.paths.branch(formatBranch(number)), 'branch.info.json');
  return withFileLock(
    numbersLock(codebase),
    { what: `branch records of ${codebase.paths.name}`, waitMs: 60_000 },
    async () => {
      const next = change(await readBranchInfo(codebase, number));
      await writeFile(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
      await rename(`${file}.tmp`, file);
      return next;
    },
  );
}
