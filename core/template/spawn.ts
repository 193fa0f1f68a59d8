// `init <dir> --from <template>`: a workspace spawned from a mother. The mother first spawns a
// test child in a temporary folder, made exactly as the real one will be; it must load with no
// problem and pass the mother's own checks (test/*.mjs|js|sh), or nothing is written at <dir>.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import git from 'isomorphic-git';
import { BranchyardError, describeError } from '../errors/index.ts';
import type { InitOptions, InitResult } from '../workspace/index.ts';
import { assertUsableTarget, initWorkspace, loadWorkspace } from '../workspace/index.ts';
import type { Mother, TemplateFiles } from './mother.ts';
import { readMother } from './mother.ts';
import type { TemplateRecord } from './record.ts';
import { storeBase, writeRecord } from './record.ts';

export interface SpawnOptions extends Omit<InitOptions, 'template'> {
  /** The mother: a template folder, a bare repository's path, or a file:// or http(s):// git URL. */
  from: string;
}

export interface SpawnResult extends InitResult {
  template: { source: string; kind: 'folder' | 'git'; version: string; checks: string[] };
}

const CHECK_TIMEOUT_MS = 60_000;

export async function spawnWorkspace(options: SpawnOptions): Promise<SpawnResult> {
  const root = path.resolve(options.dir);
  await assertUsableTarget(root);
  const mother = await readMother(options.from);
  const spawnedAt = new Date().toISOString();
  options.events?.emit('progress', {
    task: `init:${root}`,
    step: 'test-child',
    message: `spawning the mother's test child (${mother.source})`,
  });
  const checks = await runTestChild(mother, { ...options, dir: root }, spawnedAt);
  const made = await initWorkspace({
    ...options,
    dir: root,
    template: (staging) => layChild(staging, mother, spawnedAt),
  });
  return { ...made, template: { source: mother.source, kind: mother.kind, version: mother.version, checks } };
}

/** The child's files: the mother's managed files, its record, and the base of later pulls. */
async function layChild(staging: string, mother: Mother, spawnedAt: string): Promise<void> {
  await writeFiles(staging, mother.files);
  // A workspace always has a codebases/ folder, which a mother never supplies.
  await mkdir(path.join(staging, 'codebases'), { recursive: true });
  await writeFile(path.join(staging, 'codebases', '.gitkeep'), '', { flag: 'a' });
  const record: TemplateRecord = { source: mother.source, kind: mother.kind, version: mother.version, spawnedAt };
  await writeRecord(staging, record);
  await git.init({ fs, dir: staging, defaultBranch: 'main' });
  await storeBase(staging, mother.files, `Template ${mother.source} at ${mother.version}`);
}

export async function writeFiles(root: string, files: TemplateFiles): Promise<void> {
  for (const [rel, file] of files) {
    const full = path.join(root, ...rel.split('/'));
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, file.content);
    if (file.executable) await chmod(full, 0o755);
  }
}

/** Spawns the test child and checks it; returns the checks that ran, throws the first failure. */
async function runTestChild(mother: Mother, options: SpawnOptions, spawnedAt: string): Promise<string[]> {
  const temp = await mkdtemp(path.join(os.tmpdir(), 'branchyard-test-child-'));
  const refuse = (reason: string) =>
    new BranchyardError(
      'WorkspaceInitError',
      `the mother ${mother.source} fails its test child, so nothing was written at ${path.resolve(options.dir)}:\n${reason}`,
    );
  try {
    const child = path.join(temp, path.basename(path.resolve(options.dir)));
    try {
      await initWorkspace({
        dir: child,
        name: options.name,
        otherWorkspaces: options.otherWorkspaces,
        template: (staging) => layChild(staging, mother, spawnedAt),
      });
      await loadWorkspace(child);
    } catch (error) {
      throw refuse(describeError(error));
    }
    // The engine keeps its state and serve's access token there: a child must never commit them.
    if (!(await git.isIgnored({ fs, dir: child, filepath: '.branchyard/serve.json' }))) {
      throw refuse(
        '.gitignore: must ignore .branchyard/ (the engine state and the access token of serve live there), as templates/workspace/.gitignore does',
      );
    }
    const testDir = path.join(temp, 'mother-tests');
    await writeFiles(testDir, mother.tests);
    const scripts = [...mother.tests.keys()].filter((rel) => /^test\/[^/]+\.(mjs|js|sh)$/.test(rel)).sort();
    for (const script of scripts) {
      const failure = await runCheck(path.join(testDir, ...script.split('/')), child);
      if (failure) throw refuse(`${script} ${failure}`);
    }
    return scripts;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * A check runs on this machine with the test child as its working folder, like a package's own
 * scripts: spawning from a mother trusts it. Its exit status is the verdict.
 */
function runCheck(script: string, child: string): Promise<string | undefined> {
  const [command, args] = script.endsWith('.sh') ? ['sh', [script]] : [process.execPath, [script]];
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: child, timeout: CHECK_TIMEOUT_MS, env: { ...process.env, BRANCHYARD_TEST_CHILD: child } },
      (error, stdout, stderr) => {
        if (!error) return resolve(undefined);
        const output = `${stderr}${stdout}`.trim().split('\n').slice(-20).join('\n');
        const how = error.killed
          ? `was stopped after ${CHECK_TIMEOUT_MS / 1000} s`
          : `exited ${String(error.code ?? 1)}`;
        resolve(`${how}${output ? `:\n${output}` : ' with no output'}`);
      },
    );
  });
}
