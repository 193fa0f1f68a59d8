// The agent's working copy of a branch: the parent's files, read straight from git objects,
// with the agent's writes and deletions laid over them. Kept as one JSON file beside the
// revision's transcript (written aside and renamed), so a crash or a pause for the user's
// answer loses nothing, and the changes become the new branch's change set as they are.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChangeSet, CodebaseHandle } from '../git/index.ts';
import { commitTree, listTree, readBlob, readBranchInfo } from '../git/index.ts';

export const MAX_FILE_BYTES = 512 * 1024;
/** Set by Branchyard, never by the agent. */
const MANAGED = new Set(['package.json', 'package-lock.json', 'tsconfig.json']);

interface Saved {
  parent: number;
  writes: Record<string, string>;
  deletes: string[];
}

export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

/** A path the agent may touch: relative, inside the tree, not hidden, not generated. */
export function checkPath(input: unknown, mode: 'read' | 'write'): PathCheck {
  if (typeof input !== 'string' || input.trim() === '')
    return {
      ok: false,
      reason: 'expected "path": a path relative to the working copy, such as src/features/notes/controllers/notes.ts',
    };
  if (input.includes('\0') || input.includes('\\'))
    return { ok: false, reason: `"${input}" holds a backslash or a NUL byte; use forward slashes` };
  if (path.posix.isAbsolute(input))
    return { ok: false, reason: `"${input}" is absolute; paths are relative to the working copy, such as src/app.ts` };
  const normal = path.posix.normalize(input).replace(/\/$/, '');
  if (normal === '..' || normal.startsWith('../'))
    return { ok: false, reason: `"${input}" leads outside the working copy; stay inside it` };
  const segments = normal === '.' ? [] : normal.split('/');
  if (segments.some((s) => s.startsWith('.')))
    return { ok: false, reason: `"${input}" is a hidden file or folder, which is not part of the branch` };
  if (segments.includes('node_modules'))
    return {
      ok: false,
      reason: `"${input}" is inside node_modules, which Branchyard provides; the stack (zod, drizzle-orm, pg, node: built-ins) is already there`,
    };
  if (mode === 'write') {
    if (MANAGED.has(normal))
      return {
        ok: false,
        reason: `${normal} is managed by Branchyard and cannot be changed; the stack needs no installs`,
      };
    if (segments[0] !== 'src' || segments.length < 2)
      return { ok: false, reason: `only files under src/ can be written ("${input}" is not)` };
  }
  return { ok: true, path: normal === '.' ? '' : normal };
}

export class WorkingCopy {
  private constructor(
    private readonly codebase: CodebaseHandle,
    private readonly file: string,
    private readonly parentFiles: Map<string, string>,
    private readonly state: Saved,
  ) {}

  /** Opens the saved working copy, or starts one from `parent`. */
  static async open(codebase: CodebaseHandle, file: string, parent: number): Promise<WorkingCopy> {
    const saved = await readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as Saved,
      () => undefined,
    );
    const state = saved ?? { parent, writes: {}, deletes: [] };
    const tree = await commitTree(codebase.repo, (await readBranchInfo(codebase, state.parent)).commit);
    const files = new Map((await listTree(codebase.repo, tree)).map((entry) => [entry.path, entry.oid]));
    return new WorkingCopy(codebase, file, files, state);
  }

  get parent(): number {
    return this.state.parent;
  }

  /** Every file, sorted. */
  files(): string[] {
    const deleted = new Set(this.state.deletes);
    return [...new Set([...this.parentFiles.keys(), ...Object.keys(this.state.writes)])]
      .filter((f) => !deleted.has(f))
      .sort();
  }

  has(file: string): boolean {
    return file in this.state.writes || (this.parentFiles.has(file) && !this.state.deletes.includes(file));
  }

  async read(file: string): Promise<string | undefined> {
    if (file in this.state.writes) return this.state.writes[file];
    if (this.state.deletes.includes(file)) return undefined;
    const oid = this.parentFiles.get(file);
    return oid === undefined ? undefined : Buffer.from(await readBlob(this.codebase.repo, oid)).toString('utf8');
  }

  async write(file: string, content: string): Promise<void> {
    this.state.writes[file] = content;
    this.state.deletes = this.state.deletes.filter((f) => f !== file);
    await this.save();
  }

  async delete(file: string): Promise<void> {
    delete this.state.writes[file];
    if (this.parentFiles.has(file) && !this.state.deletes.includes(file)) this.state.deletes.push(file);
    await this.save();
  }

  /** What differs from the parent, as the new branch's change set. */
  async changes(): Promise<ChangeSet> {
    const writes = [];
    for (const [file, content] of Object.entries(this.state.writes)) {
      const before = this.parentFiles.has(file) ? await this.read0(file) : undefined;
      if (before !== content) writes.push({ path: file, content: Buffer.from(content) });
    }
    return { writes, deletes: this.state.deletes.filter((f) => this.parentFiles.has(f)) };
  }

  /** Every file written into `dir`, for the sandbox to copy. */
  async materialize(dir: string): Promise<void> {
    for (const file of this.files()) {
      const target = path.join(dir, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, (await this.read(file)) ?? '');
    }
  }

  private async read0(file: string): Promise<string> {
    return Buffer.from(await readBlob(this.codebase.repo, this.parentFiles.get(file)!)).toString('utf8');
  }

  private async save(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFile(`${this.file}.tmp`, JSON.stringify(this.state));
    await rename(`${this.file}.tmp`, this.file);
  }
}
