// The two parts of a branch record that change after it is made: its status and its check
// results. Written beside and renamed over (a crash never leaves half a record), under the
// codebase's number lock (one writer at a time), and committed to the workspace repository.
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { withFileLock } from '../locks/index.ts';
import type { BranchInfo, BranchStatus, CheckName, CheckResult } from './branch-info.ts';
import { readBranchInfo } from './branch-records.ts';
import type { CodebaseHandle } from './codebase-handle.ts';
import { formatBranch } from './numbers.ts';
import { numbersLock } from './recover.ts';
import { commitToWorkspace } from './workspace-commit.ts';

export async function recordChecks(codebase: CodebaseHandle, number: number, update: { status?: BranchStatus; checks?: Partial<Record<CheckName, CheckResult>> }): Promise<BranchInfo> {
  const folder = codebase.paths.branch(formatBranch(number));
  const info = await withFileLock(numbersLock(codebase), { what: `branch records of ${codebase.paths.name}`, waitMs: 60_000 }, async () => {
    const current = await readBranchInfo(codebase, number);
    const next: BranchInfo = { ...current, status: update.status ?? current.status, checks: { ...current.checks, ...update.checks } };
    const file = path.join(folder, 'branch.info.json');
    await writeFile(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
    return next;
  });
  const summary = Object.entries(update.checks ?? {}).map(([name, check]) => `${name} ${check.status}`).join(', ');
  await commitToWorkspace(codebase.workspace, [path.join(folder, 'branch.info.json')], `${codebase.paths.name} ${formatBranch(number)}: ${[update.status, summary].filter(Boolean).join('; ')}`);
  return info;
}
