// Writing and reading the files of `metadata/branches/<NNNNN>/`. The record is written into a
// staging folder and renamed into place in one step, so a branch's folder is either complete
// or absent.
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BranchInfo, ChangeEntry } from './branch-info.ts';
import { formatBranch } from '../workspace/index.ts';

export const METADATA_TEMPLATE = fileURLToPath(new URL('../../templates/codebase-metadata/', import.meta.url));

/** Carried from the parent branch's record, or seeded from the template for a first branch. */
const CARRIED = ['readme.md', 'db-config.ts', 'schema', 'context'] as const;

export interface BranchRecord {
  info: BranchInfo;
  changes: ChangeEntry[];
  patch: string;
  summary: string;
  /** Where the logs of this branch live in the logs repository, relative to the workspace. */
  logsLocation: string;
}

export async function writeBranchRecord(dir: string, record: BranchRecord, carryFrom: string | null): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const item of CARRIED) {
    const fromParent = carryFrom ? path.join(carryFrom, item) : null;
    const source = fromParent && (await exists(fromParent)) ? fromParent : path.join(METADATA_TEMPLATE, item);
    await cp(source, path.join(dir, item), { recursive: true });
  }
  await writeFile(path.join(dir, 'branch.info.json'), json(record.info));
  await writeFile(path.join(dir, 'changes.json'), json(record.changes));
  await writeFile(path.join(dir, 'diff.patch'), record.patch);
  await writeFile(path.join(dir, 'summary.md'), record.summary);
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  // A pointer, not a listing: the files change as the branch runs (read them with `branchyard logs`).
  const logs = { repository: record.logsLocation, types: ['pm2', 'ttyd', 'api-gateway'] };
  await writeFile(path.join(dir, 'logs', 'references.json'), json(logs));
}

/** Fills `{{codebase}}` and `{{role}}` in a first branch's readme. */
export async function personalizeReadme(dir: string, codebase: string, role: string): Promise<void> {
  const file = path.join(dir, 'readme.md');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replaceAll('{{codebase}}', codebase).replaceAll('{{role}}', role));
}

/** summary.md: the agent's own summary when there is one, else one made from the changes. */
export function summaryText(input: {
  number: number;
  parent: number | null;
  message: string;
  summary?: string | undefined;
  changes: ChangeEntry[];
}): string {
  const title = `# ${formatBranch(input.number)}: ${input.message}\n\n`;
  const based = input.parent ? `Based on ${formatBranch(input.parent)}.` : 'The first branch of this codebase.';
  if (input.summary?.trim()) return `${title}${based}\n\n${input.summary.trim()}\n`;
  const count = (kind: ChangeEntry['kind']) => input.changes.filter((c) => c.kind === kind).length;
  const added = input.changes.reduce((n, c) => n + c.linesAdded, 0);
  const removed = input.changes.reduce((n, c) => n + c.linesRemoved, 0);
  const counts = [`${count('added')} added`, `${count('modified')} modified`, `${count('deleted')} deleted`]
    .filter((s) => !s.startsWith('0 '))
    .join(', ');
  const files = input.changes.length === 1 ? '1 file' : `${input.changes.length} files`;
  const rows = input.changes.map(
    (c) =>
      `| \`${c.path}\` | ${c.kind} | ${c.binary ? 'binary' : `+${c.linesAdded}`} | ${c.binary ? '' : `−${c.linesRemoved}`} |`,
  );
  return `${title}${based} ${files} changed (${counts}; +${added} −${removed} lines).\n\n| file | change | added | removed |\n|---|---|---|---|\n${rows.join('\n')}\n`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
