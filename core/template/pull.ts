// `template diff` and `template pull`: what the mother changed since the child's recorded
// version, and taking it. Pull is a three-way merge per file (base: the mother at the recorded
// version; ours: the child; theirs: the mother now), line by line with node-diff3. Every file is
// merged in memory first: one conflict and nothing is written. Otherwise the files, the new
// record and the new base are written and committed as one workspace commit.
import fs from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { mergeDiff3 } from 'node-diff3';
import { BranchyardError, describeError } from '../errors/index.ts';
import type { TreeChange } from '../git/index.ts';
import { commitToWorkspace, fileDiff, isBinary } from '../git/index.ts';
import { loadWorkspace, workspacePaths } from '../workspace/index.ts';
import type { TemplateFile, TemplateFiles } from './mother.ts';
import { readMother } from './mother.ts';
import type { TemplateRecord } from './record.ts';
import { readBase, readRecord, storeBase, TEMPLATE_RECORD } from './record.ts';

export interface TemplateDiff {
  source: string;
  kind: 'folder' | 'git';
  /** The version the child last took, and the mother's version now. */
  from: string;
  to: string;
  files: Array<{ path: string; kind: 'added' | 'modified' | 'deleted' }>;
  /** A unified diff in git's format of the template-managed files, from → to. */
  patch: string;
}

export interface TemplateConflict {
  path: string;
  reason: string;
  /** The file with conflict markers, when both sides are text. */
  merged: string | null;
}

export type PullResult =
  | {
      ok: true;
      source: string;
      from: string;
      to: string;
      commit: string | null;
      files: Array<{ path: string; how: 'taken' | 'merged' | 'deleted' | 'already-so' }>;
    }
  | { ok: false; source: string; from: string; to: string; conflicts: TemplateConflict[] };

interface Comparison {
  record: TemplateRecord;
  theirsVersion: string;
  theirsAll: TemplateFiles;
  changes: Array<{ path: string; base: TemplateFile | undefined; theirs: TemplateFile | undefined }>;
}

async function compare(root: string): Promise<Comparison> {
  const record = await readRecord(root);
  const label = `${TEMPLATE_RECORD}: source ${record.source}`;
  const mother = await readMother(record.source, { label });
  // A workspace copied without its git refs still finds the base of a git mother there.
  const base =
    (await readBase(root)) ??
    (record.kind === 'git' ? (await readMother(record.source, { at: record.version, label })).files : undefined);
  if (!base)
    throw new BranchyardError(
      'NotFoundError',
      `the mother's files at ${record.version} are not stored in this workspace's repository (refs/branchyard/template is missing), so what changed cannot be told`,
    );
  const paths = [...new Set([...base.keys(), ...mother.files.keys()])].sort();
  const changes = paths
    .filter((p) => !same(base.get(p), mother.files.get(p)))
    .map((p) => ({ path: p, base: base.get(p), theirs: mother.files.get(p) }));
  return { record, theirsVersion: mother.version, theirsAll: mother.files, changes };
}

export async function templateDiff(root: string): Promise<TemplateDiff> {
  const { record, theirsVersion, changes } = await compare(root);
  const diffs = await Promise.all(
    changes.map(async (c) => {
      const kind = !c.base ? 'added' : !c.theirs ? 'deleted' : 'modified';
      const change: TreeChange = {
        path: c.path,
        kind,
        oldOid: await oid(c.base),
        newOid: await oid(c.theirs),
        oldMode: mode(c.base),
        newMode: mode(c.theirs),
      };
      return fileDiff(change, c.base?.content ?? null, c.theirs?.content ?? null);
    }),
  );
  return {
    source: record.source,
    kind: record.kind,
    from: record.version,
    to: theirsVersion,
    files: diffs.map((d) => ({ path: d.path, kind: d.kind as 'added' | 'modified' | 'deleted' })),
    patch: diffs.map((d) => d.patch).join(''),
  };
}

export async function pullTemplate(root: string): Promise<PullResult> {
  const { record, theirsVersion, theirsAll, changes } = await compare(root);
  const head = { source: record.source, from: record.version, to: theirsVersion };
  const writes = new Map<string, TemplateFile | null>();
  const files: Array<{ path: string; how: 'taken' | 'merged' | 'deleted' | 'already-so' }> = [];
  const conflicts: TemplateConflict[] = [];
  for (const { path: rel, base, theirs } of changes) {
    const ours = await readOurs(root, rel);
    if (same(ours, theirs)) files.push({ path: rel, how: 'already-so' });
    else if (same(ours, base)) {
      writes.set(rel, theirs ?? null);
      files.push({ path: rel, how: theirs ? 'taken' : 'deleted' });
    } else {
      const merged = mergeFile(base, ours, theirs, head);
      if ('conflict' in merged) conflicts.push({ path: rel, ...merged.conflict });
      else {
        writes.set(rel, merged.file);
        files.push({ path: rel, how: 'merged' });
      }
    }
  }
  if (conflicts.length > 0) return { ok: false, ...head, conflicts };
  if (changes.length === 0 || (writes.size === 0 && record.version === theirsVersion))
    return { ok: true, ...head, commit: null, files };

  const updated: TemplateRecord = { ...record, version: theirsVersion, pulledAt: new Date().toISOString() };
  const all = new Map([
    ...writes,
    [TEMPLATE_RECORD, { content: Buffer.from(`${JSON.stringify(updated, null, 2)}\n`), executable: false }],
  ]);
  await refuseUncommitted(root, [...all.keys()]);
  const undo = await applyWrites(root, all);
  try {
    // A merge may still leave a config the schemas refuse: found now, undone, never committed.
    await loadWorkspace(root).catch((error: unknown) => {
      throw new BranchyardError(
        'WorkspaceConfigError',
        `the merged workspace would not load, so nothing was pulled:\n${describeError(error)}`,
        { cause: error },
      );
    });
    const paths = workspacePaths(root);
    const targets = [...all.keys()].map((rel) => path.join(root, ...rel.split('/')));
    const commit = await commitToWorkspace(
      paths,
      targets,
      `Template: take ${record.source} at ${short(theirsVersion)} (was ${short(record.version)})`,
    );
    await storeBase(root, theirsAll, `Template ${record.source} at ${theirsVersion}`);
    return { ok: true, ...head, commit: commit ?? null, files };
  } catch (error) {
    await undo();
    throw error;
  }
}

type Merge = { file: TemplateFile | null } | { conflict: Omit<TemplateConflict, 'path'> };

function mergeFile(
  base: TemplateFile | undefined,
  ours: TemplateFile | undefined,
  theirs: TemplateFile | undefined,
  head: { from: string; to: string },
): Merge {
  if (!ours) return { conflict: { reason: 'changed in the mother, deleted in this workspace', merged: null } };
  if (!theirs) return { conflict: { reason: 'deleted in the mother, changed in this workspace', merged: null } };
  if (!base)
    return { conflict: { reason: 'added in the mother and in this workspace, with other content', merged: null } };
  if (isBinary(base.content) || isBinary(ours.content) || isBinary(theirs.content))
    return { conflict: { reason: 'a binary file changed in the mother and in this workspace', merged: null } };
  const lines = (file: TemplateFile) => file.content.toString('utf8').split('\n');
  const label = { a: 'this workspace', o: `mother at ${short(head.from)}`, b: `mother at ${short(head.to)}` };
  const result = mergeDiff3(lines(ours), lines(base), lines(theirs), { label });
  const text = (result.result as string[]).join('\n');
  if (result.conflict)
    return { conflict: { reason: 'changed on the same lines in the mother and in this workspace', merged: text } };
  // The mode follows whichever side changed it.
  const executable = ours.executable !== base.executable ? ours.executable : theirs.executable;
  return { file: { content: Buffer.from(text, 'utf8'), executable } };
}

/** Pull commits the files it writes: a person's uncommitted edit there would be swept into it. */
async function refuseUncommitted(root: string, rels: string[]): Promise<void> {
  const rows = await git.statusMatrix({ fs, dir: root, filepaths: rels });
  const dirty = rows
    .filter(([, head, workdir, stage]) => !(head === 1 && workdir === 1 && stage === 1))
    .map(([file]) => file);
  if (dirty.length > 0) {
    throw new BranchyardError(
      'InvalidInputError',
      `template pull would commit files with uncommitted changes: ${dirty.join(', ')}; commit or undo those changes first`,
    );
  }
}

/** Writes each file beside and renames it over; returns what puts every file back as it was. */
async function applyWrites(root: string, writes: Map<string, TemplateFile | null>): Promise<() => Promise<void>> {
  const previous = new Map<string, TemplateFile | undefined>();
  const undo = async () => {
    for (const [rel, file] of previous) {
      const full = path.join(root, ...rel.split('/'));
      if (file) await writeFile(full, file.content).then(() => chmod(full, file.executable ? 0o755 : 0o644));
      else await rm(full, { force: true });
    }
  };
  try {
    for (const [rel, file] of writes) {
      const full = path.join(root, ...rel.split('/'));
      previous.set(rel, await readOurs(root, rel));
      if (!file) {
        await rm(full, { force: true });
        continue;
      }
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(`${full}.template-pull`, file.content, { mode: file.executable ? 0o755 : 0o644 });
      await rename(`${full}.template-pull`, full);
    }
  } catch (error) {
    await undo();
    throw error;
  }
  return undo;
}

async function readOurs(root: string, rel: string): Promise<TemplateFile | undefined> {
  const full = path.join(root, ...rel.split('/'));
  const info = await stat(full).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return { content: await readFile(full), executable: (info.mode & 0o111) !== 0 };
}

function same(a: TemplateFile | undefined, b: TemplateFile | undefined): boolean {
  if (!a || !b) return a === b;
  return a.executable === b.executable && a.content.equals(b.content);
}

async function oid(file: TemplateFile | undefined): Promise<string | null> {
  return file ? (await git.hashBlob({ object: file.content })).oid : null;
}

function mode(file: TemplateFile | undefined): string | null {
  return file ? (file.executable ? '100755' : '100644') : null;
}

function short(version: string): string {
  return version.startsWith('sha256:') ? version.slice(0, 19) : version.slice(0, 12);
}
