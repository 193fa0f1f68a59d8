// Benchmark (issue 3): create a branch with 20 changed files in a codebase of 5,000 files and
// compute its diff, with isomorphic-git as the engine does it, beside the git CLI doing the
// same work in the same run on a copy of the same repository. Prints medians and the ratio.
//   node --import tsx bench/git/branch-and-diff.ts [--files 5000] [--changed 20] [--runs 15]
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { initWorkspace, workspacePaths } from '../../core/workspace/index.ts';
import type { FileWrite } from '../../core/git/index.ts';
import {
  addCodebase,
  applyChanges,
  createBranch,
  createBranchRef,
  diffBetween,
  openCodebase,
  openRepository,
  writeCommit,
} from '../../core/git/index.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '5000' },
    changed: { type: 'string', default: '20' },
    runs: { type: 'string', default: '15' },
  },
});
const FILES = Number(values.files);
const CHANGED = Number(values.changed);
const RUNS = Number(values.runs);

function git(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`git ${args[0]}: ${stderr}`)) : resolve(stdout)),
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** A realistic source file: a few dozen lines, so diffs have context to work with. */
function source(i: number, version = 0): string {
  const lines = [`// module ${i}`, `import { z } from 'zod';`, ''];
  for (let f = 0; f < 12; f++)
    lines.push(
      `export function fn${i}_${f}(input: { id: string }): string {`,
      `  return \`${i}-${f}-\${input.id}\`;`,
      '}',
      '',
    );
  if (version) lines.splice(10, 1, `  return \`${i}-changed-v${version}-\${input.id}\`;`);
  return lines.join('\n');
}

const pathOf = (i: number) => `src/features/f${Math.floor(i / 100)}/controllers/m${i % 100}/file-${i}.ts`;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'branchyard-bench-git-'));
try {
  process.stderr.write(`setting up a codebase of ${FILES} files…\n`);
  const root = path.join(tmp, 'ws');
  await initWorkspace({ dir: root });
  const paths = workspacePaths(root);
  await addCodebase({ workspace: paths, logsRepository: '../ws-logs', name: 'big' });
  const codebase = await openCodebase(paths, 'big');
  const base = await createBranch({
    codebase,
    logsRepository: '../ws-logs',
    parent: 1,
    changes: {
      writes: Array.from({ length: FILES }, (_, i) => ({ path: pathOf(i), content: Buffer.from(source(i)) })),
      deletes: [],
    },
    author: 'user',
    message: `${FILES} files`,
  });
  const gitdir = codebase.paths.gitdir;
  const baseCommit = base.info.commit;
  const parentTree = (await git(['--git-dir', gitdir, 'rev-parse', `${baseCommit}^{tree}`])).trim();
  const cliGitdir = path.join(tmp, 'cli.git');
  await cp(gitdir, cliGitdir, { recursive: true });

  /** Run r changes 20 files spread over the tree (an edit, so every change has a hunk). */
  const changesFor = (run: number): FileWrite[] =>
    Array.from({ length: CHANGED }, (_, k) => {
      const i = (k * Math.floor(FILES / CHANGED) + run) % FILES;
      return { path: pathOf(i), content: Buffer.from(source(i, run + 1)) };
    });

  const ours: number[] = [];
  const cli: number[] = [];
  const full: number[] = [];
  let patchBytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const writes = changesFor(run);

    // isomorphic-git, as the engine does it: blobs and the trees along their paths, the commit,
    // the ref, then the diff against the parent (the hunks and the per-file counts).
    const repo = openRepository(gitdir);
    const begin = performance.now();
    const tree = await applyChanges(repo, parentTree, { writes, deletes: [] });
    const commit = await writeCommit(repo, {
      tree,
      parents: [baseCommit],
      message: `bench ${run}\n`,
      author: { name: 'b', email: 'b@b' },
      date: new Date(),
    });
    await createBranchRef(repo, 1000 + run, commit);
    const diff = await diffBetween(repo, parentTree, tree);
    ours.push(performance.now() - begin);
    patchBytes = diff.patch.length;

    // The git CLI doing the same: blobs, a temporary index read from the parent, the new tree,
    // the commit, the ref, then the diff and the per-file counts.
    cli.push(await timeCli(run, writes, cliGitdir, baseCommit));

    // The whole of createBranch: the above plus the branch record and the workspace commit.
    const start = performance.now();
    await createBranch({
      codebase,
      logsRepository: '../ws-logs',
      parent: base.info.number,
      changes: { writes: changesFor(run + RUNS), deletes: [] },
      author: 'agent',
      message: `full ${run}`,
    });
    full.push(performance.now() - start);
  }

  const o = median(ours);
  const c = median(cli);
  console.log(
    `bench/git: a branch with ${CHANGED} changed files in a codebase of ${FILES} files, and its diff (median of ${RUNS})`,
  );
  console.log(`  isomorphic-git (engine)     ${o.toFixed(1).padStart(8)} ms`);
  console.log(`  git CLI (same work)         ${c.toFixed(1).padStart(8)} ms`);
  console.log(`  ratio engine / git CLI      ${(o / c).toFixed(2).padStart(8)} ×   (target ≤ 2.00)`);
  console.log(
    `  createBranch, whole         ${median(full).toFixed(1).padStart(8)} ms   (with branch record and workspace commit; patch ${patchBytes} bytes)`,
  );

  async function timeCli(run: number, writes: FileWrite[], dir: string, parent: string): Promise<number> {
    const env = { GIT_INDEX_FILE: path.join(tmp, `index-${run}`) };
    // The files exist before git starts, as the agent's working copy would.
    const inputs = writes.map((_, k) => path.join(tmp, `w-${run}-${k}`));
    await Promise.all(writes.map((w, k) => writeFile(inputs[k]!, w.content)));
    const begin = performance.now();
    const oids = (
      await git(['--git-dir', dir, 'hash-object', '-w', '--stdin-paths'], { input: `${inputs.join('\n')}\n` })
    )
      .trim()
      .split('\n');
    await git(['--git-dir', dir, 'read-tree', parent], { env });
    await git(['--git-dir', dir, 'update-index', '--index-info'], {
      env,
      input: writes.map((w, k) => `100644 ${oids[k]}\t${w.path}`).join('\n') + '\n',
    });
    const tree = (await git(['--git-dir', dir, 'write-tree'], { env })).trim();
    const commit = (await git(['--git-dir', dir, 'commit-tree', tree, '-p', parent, '-m', `bench ${run}`])).trim();
    await git(['--git-dir', dir, 'update-ref', `refs/heads/${String(1000 + run).padStart(5, '0')}`, commit]);
    await git(['--git-dir', dir, 'diff', '--binary', parent, commit]);
    await git(['--git-dir', dir, 'diff', '--numstat', parent, commit]);
    return performance.now() - begin;
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
