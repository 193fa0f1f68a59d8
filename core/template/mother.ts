// Reading a mother: the workspace template `init --from` spawns from. A mother is either a
// folder (its version is a hash of its files) or a git repository (its version is the commit):
// a bare repository by path, any repository by file:// URL, both read in place, or an http(s)
// URL, cloned into a temporary folder with isomorphic-git's http client. Nothing else is
// reachable without a network of our own choosing, so other URLs are refused by name.
//
// A mother has the layout of templates/workspace/ (README: Workspace templates):
//   shared-context/, servers/config.json, ai/config.json, gateways/<name>.json, databases/,
//   README.md, .gitignore, codebase-boilerplate/ (what `codebase add` starts from), any other file
//                                  the template-managed files: copied into a child, kept in step by pull
//   test/*.mjs | *.js | *.sh       the mother's own checks, run in its test child, never copied
// ai/config.json, servers/config.json and one gateway are required; NEVER_TAKEN is left out.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { aboutField, BranchyardError, describeError } from '../errors/index.ts';

export interface TemplateFile {
  content: Buffer;
  executable: boolean;
}
/** By path relative to the mother's root, with `/` separators. */
export type TemplateFiles = Map<string, TemplateFile>;

export interface Mother {
  kind: 'folder' | 'git';
  /** As recorded in the child: an absolute folder path, a bare repository's path, or a URL. */
  source: string;
  /** The commit id of a git mother; `sha256:<hex>` of the managed files of a folder. */
  version: string;
  /** The template-managed files: what a child gets and what `template pull` keeps in step. */
  files: TemplateFiles;
  /** The mother's own checks (`test/…`), run in its test child, never copied into a child. */
  tests: TemplateFiles;
}

/**
 * Never taken from a mother: another repository's internals, installed packages, the engine's
 * private folder, and the files that make a folder a workspace of its own (a child is a
 * valid mother too). `codebases/` holds a workspace's codebases, which are not a template.
 */
const NEVER_TAKEN = new Set(['.git', 'node_modules', '.branchyard', 'branchyard.json', 'template.json', 'codebases']);
const TEST_FOLDER = 'test';
const REQUIRED = ['ai/config.json', 'servers/config.json'];

type Place = 'managed' | 'test' | 'skip';
function placeOf(rel: string): Place {
  const top = rel.split('/')[0]!;
  if (NEVER_TAKEN.has(top)) return 'skip';
  return top === TEST_FOLDER ? 'test' : 'managed';
}

/** A URL (or git's user@host:path) names a mother itself; anything else is a path on this machine. */
export function isMotherUrl(from: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(from) || /^[^/\\]+@[^/\\]+:/.test(from);
}

/**
 * Reads the mother named by `from` (a path or a URL); `at` reads a git mother at that commit
 * instead of its HEAD; `label` opens every error message (default: the input `from`, named so).
 */
export function readMother(from: string, options: { at?: string; label?: string } = {}): Promise<Mother> {
  if (options.label) return readMotherAs(from, options.label, options.at);
  return aboutField('from', () => readMotherAs(from, `from ${from}`, options.at));
}

async function readMotherAs(from: string, what: string, at: string | undefined): Promise<Mother> {
  if (/^https?:\/\//i.test(from)) return cloneAndRead(from, what, at);
  if (/^file:\/\//i.test(from)) {
    const dir = fileURLToPath(from);
    const gitdir = (await isBareRepository(dir)) ? dir : path.join(dir, '.git');
    if (!(await isBareRepository(gitdir)))
      throw new BranchyardError(
        'InvalidInputError',
        `${what}: no git repository at ${dir} (a template folder is named by its path, without file://)`,
      );
    return checked(what, {
      kind: 'git',
      source: pathToFileURL(dir).href,
      ...(await readCommitFiles(gitdir, at ?? 'HEAD', what)),
    });
  }
  if (isMotherUrl(from)) {
    throw new BranchyardError(
      'InvalidInputError',
      `${what}: only http(s):// and file:// git URLs are supported (or the path of a folder or a bare repository)`,
    );
  }
  const dir = path.resolve(from);
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new BranchyardError('InvalidInputError', `${what}: no such folder or git repository (${dir})`);
  if (!info.isDirectory())
    throw new BranchyardError(
      'InvalidInputError',
      `${what}: ${dir} is a file; a mother is a template folder or a git repository`,
    );
  if (await isBareRepository(dir))
    return checked(what, { kind: 'git', source: dir, ...(await readCommitFiles(dir, at ?? 'HEAD', what)) });
  const all = await readFolder(dir, what);
  const { files, tests } = split(all);
  return checked(what, { kind: 'folder', source: dir, version: contentHash(files), files, tests });
}

/** A mother has the layout of templates/workspace/; anything else is refused, naming what it lacks. */
function checked(what: string, mother: Mother): Mother {
  const lacks = REQUIRED.filter((file) => !mother.files.has(file));
  if (![...mother.files.keys()].some((file) => /^gateways\/[^/]+\.json$/.test(file)))
    lacks.push('gateways/<name>.json');
  if (lacks.length > 0) {
    throw new BranchyardError(
      'InvalidInputError',
      `${what}: not a workspace template: it lacks ${lacks.join(', ')} (a template has the layout of templates/workspace/: shared-context/, servers/config.json, ai/config.json, gateways/<name>.json)`,
    );
  }
  return mother;
}

function split(all: TemplateFiles): { files: TemplateFiles; tests: TemplateFiles } {
  const files: TemplateFiles = new Map();
  const tests: TemplateFiles = new Map();
  for (const [rel, file] of all) {
    const place = placeOf(rel);
    if (place === 'managed') files.set(rel, file);
    else if (place === 'test') tests.set(rel, file);
  }
  return { files, tests };
}

/** Order-independent: the same files give the same version wherever the folder lies. */
export function contentHash(files: TemplateFiles): string {
  const hash = createHash('sha256');
  for (const rel of [...files.keys()].sort()) {
    const file = files.get(rel)!;
    hash.update(
      `${rel}\0${file.executable ? '755' : '644'}\0${createHash('sha256').update(file.content).digest('hex')}\n`,
    );
  }
  return `sha256:${hash.digest('hex')}`;
}

async function readFolder(root: string, what: string): Promise<TemplateFiles> {
  const files: TemplateFiles = new Map();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(root, relative), { withFileTypes: true })) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.name === '.git' || entry.name === 'node_modules' || (!relative && NEVER_TAKEN.has(entry.name)))
        continue;
      if (entry.isDirectory()) await walk(rel);
      else if (entry.isFile())
        files.set(rel, {
          content: await readFile(path.join(root, rel)),
          executable: ((await lstat(path.join(root, rel))).mode & 0o111) !== 0,
        });
      // A link could reach anywhere on this machine; a template's files are its own.
      else
        throw new BranchyardError(
          'InvalidInputError',
          `${what}: ${rel} is not a regular file (links are not taken from a template; copy the file instead)`,
        );
    }
  };
  await walk('');
  return files;
}

async function isBareRepository(dir: string): Promise<boolean> {
  const [head, objects, refs] = await Promise.all(
    ['HEAD', 'objects', 'refs'].map((name) => stat(path.join(dir, name)).catch(() => undefined)),
  );
  return Boolean(head?.isFile() && objects?.isDirectory() && refs?.isDirectory());
}

/** The managed and test files of one commit of a repository (`ref`: a ref name or a commit id). */
export async function readCommitFiles(
  gitdir: string,
  ref: string,
  what: string,
): Promise<{ version: string; files: TemplateFiles; tests: TemplateFiles }> {
  let commit: string;
  try {
    commit = /^[0-9a-f]{40}$/.test(ref) ? ref : await git.resolveRef({ fs, gitdir, ref });
    await git.readCommit({ fs, gitdir, oid: commit });
  } catch (error) {
    throw new BranchyardError(
      'InvalidInputError',
      `${what}: the repository has no commit ${ref === 'HEAD' ? 'on its default branch' : ref} (${describeError(error)})`,
      { cause: error },
    );
  }
  const all: TemplateFiles = new Map();
  await git.walk({
    fs,
    gitdir,
    trees: [git.TREE({ ref: commit })],
    map: async (rel, [entry]) => {
      if (rel === '.' || !entry) return undefined;
      // null prunes the walk below a folder that is never taken.
      if (placeOf(rel) === 'skip' || rel.endsWith('/node_modules')) return null;
      const type = await entry.type();
      if (type !== 'blob') return undefined;
      const mode = await entry.mode();
      if (mode === 0o120000)
        throw new BranchyardError(
          'InvalidInputError',
          `${what}: ${rel} is a symbolic link (links are not taken from a template; commit the file instead)`,
        );
      all.set(rel, { content: Buffer.from((await entry.content())!), executable: mode === 0o100755 });
      return undefined;
    },
  });
  return { version: commit, ...split(all) };
}

async function cloneAndRead(url: string, what: string, at: string | undefined): Promise<Mother> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'branchyard-mother-'));
  try {
    try {
      // The recorded commit may be far back: only HEAD is enough for a shallow clone.
      await git.clone({ fs, http, dir, url, singleBranch: true, noCheckout: true, ...(at ? {} : { depth: 1 }) });
    } catch (error) {
      throw new BranchyardError('InvalidInputError', `${what}: cannot clone the repository: ${describeError(error)}`, {
        cause: error,
      });
    }
    return checked(what, {
      kind: 'git',
      source: url,
      ...(await readCommitFiles(path.join(dir, '.git'), at ?? 'HEAD', what)),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
