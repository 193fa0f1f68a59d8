// What a child knows of its mother. `template.json` (committed) says where the mother is and at
// which version the child last took it. The mother's files at that version (the base of the
// three-way merge) are kept as a commit of the child's own repository under BASE_REF, so a
// folder mother that has since changed, or a mother out of reach, still has its base here.
import fs from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { z } from 'zod';
import { BranchyardError } from '../errors/index.ts';
import { ENGINE_AUTHOR, formatProblem, readConfigFile } from '../workspace/index.ts';
import type { TemplateFiles } from './mother.ts';
import { readCommitFiles } from './mother.ts';

export const TEMPLATE_RECORD = 'template.json';
export const BASE_REF = 'refs/branchyard/template';

const recordSchema = z.strictObject({
  source: z.string().min(1, { error: 'expected the folder or git URL of the mother' }),
  kind: z.enum(['folder', 'git'], { error: 'expected "folder" or "git"' }),
  version: z.string().min(1, { error: "expected the mother's commit id or content hash" }),
  spawnedAt: z.iso.datetime({ error: 'expected an ISO 8601 date-time' }),
  pulledAt: z.iso.datetime({ error: 'expected an ISO 8601 date-time' }).optional(),
});
export type TemplateRecord = z.infer<typeof recordSchema>;

export async function readRecord(root: string): Promise<TemplateRecord> {
  const read = await readConfigFile(root, TEMPLATE_RECORD, recordSchema);
  if (read.ok) return read.value;
  const missing = read.problems.length === 1 && read.problems[0]!.reason.startsWith('missing');
  if (missing) {
    throw new BranchyardError(
      'NotFoundError',
      `this workspace has no mother: ${path.join(root, TEMPLATE_RECORD)} is missing (only a workspace spawned from a mother has one)`,
    );
  }
  throw new BranchyardError('WorkspaceConfigError', read.problems.map(formatProblem).join('\n'));
}

/** Written beside and renamed over, so a record is never half-written. */
export async function writeRecord(root: string, record: TemplateRecord): Promise<string> {
  const file = path.join(root, TEMPLATE_RECORD);
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return file;
}

/** Stores the mother's files as the new base: a commit whose parent is the previous base. */
export async function storeBase(root: string, files: TemplateFiles, message: string): Promise<string> {
  const dir = root;
  const write = async (folder: Map<string, unknown>): Promise<string> => {
    const entries = [];
    for (const [name, item] of folder) {
      if (item instanceof Map)
        entries.push({
          mode: '040000',
          path: name,
          oid: await write(item as Map<string, unknown>),
          type: 'tree' as const,
        });
      else {
        const file = item as { content: Buffer; executable: boolean };
        entries.push({
          mode: file.executable ? '100755' : '100644',
          path: name,
          oid: await git.writeBlob({ fs, dir, blob: file.content }),
          type: 'blob' as const,
        });
      }
    }
    return git.writeTree({ fs, dir, tree: entries });
  };
  const rootFolder = new Map<string, unknown>();
  for (const [rel, file] of files) {
    const parts = rel.split('/');
    let folder = rootFolder;
    for (const part of parts.slice(0, -1)) {
      if (!folder.has(part)) folder.set(part, new Map());
      folder = folder.get(part) as Map<string, unknown>;
    }
    folder.set(parts.at(-1)!, file);
  }
  const tree = await write(rootFolder);
  const parent = await git.resolveRef({ fs, dir, ref: BASE_REF }).then(
    (oid) => [oid],
    () => [],
  );
  const signature = { ...ENGINE_AUTHOR, timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
  const commit = await git.writeCommit({
    fs,
    dir,
    commit: { tree, parent, author: signature, committer: signature, message: `${message}\n` },
  });
  await git.writeRef({ fs, dir, ref: BASE_REF, value: commit, force: true });
  return commit;
}

/** The mother's files at the recorded version; undefined when this repository does not hold them. */
export async function readBase(root: string): Promise<TemplateFiles | undefined> {
  const gitdir = path.join(root, '.git');
  const oid = await git.resolveRef({ fs, gitdir, ref: BASE_REF }).catch(() => undefined);
  if (!oid) return undefined;
  return (await readCommitFiles(gitdir, oid, `${root} (${BASE_REF})`)).files;
}
