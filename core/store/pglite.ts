// Opening a PGlite data folder, fast and without keeping the memory of its creation.
//
// Creating a folder runs initdb inside PGlite: ~6 s on a 2-core machine, and it grows PGlite's
// WebAssembly memory to ~650 MB, which never shrinks (an engine whose state was made at its
// start carried that for its whole run). So initdb runs once per machine and PGlite version,
// into a template folder in the user's cache, by an instance that is then closed; every new
// data folder is a copy of that template (~0.3 s), opened by a fresh instance.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/** Written last into a finished template: a folder without it is a creation cut short. */
const COMPLETE = 'branchyard-template-complete';

export async function openPgliteFolder(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<PGlite> {
  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) await copyInto(await templateFolder(env), dataDir);
  return PGlite.create(dataDir);
}

/** Where the template for this PGlite version lives (made on first use). */
export function pgliteTemplateDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache =
    env.BRANCHYARD_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'branchyard');
  return path.join(cache, `pglite-${pgliteVersion()}`);
}

async function templateFolder(env: NodeJS.ProcessEnv): Promise<string> {
  const template = pgliteTemplateDir(env);
  if (await exists(path.join(template, COMPLETE))) return template;
  // A folder left by a creation that was cut short holds no data: it is made again.
  await rm(template, { recursive: true, force: true });
  const making = await siblingTemp(template);
  await (await PGlite.create(making)).close();
  await writeFile(path.join(making, COMPLETE), '');
  // Two processes may make it at once: the first rename wins, the other's copy is dropped.
  await rename(making, template).catch(async (error: NodeJS.ErrnoException) => {
    await rm(making, { recursive: true, force: true });
    if (!(await exists(path.join(template, COMPLETE)))) throw error;
  });
  return template;
}

/** Copies beside the target and renames, so a crash never leaves a half-copied data folder. */
async function copyInto(template: string, dataDir: string): Promise<void> {
  const copying = await siblingTemp(dataDir);
  try {
    await cp(template, copying, { recursive: true, filter: (source) => path.basename(source) !== COMPLETE });
    // A data folder without PG_VERSION is one whose creation was cut short: it holds nothing.
    await rm(dataDir, { recursive: true, force: true });
    await rename(copying, dataDir);
  } finally {
    await rm(copying, { recursive: true, force: true });
  }
}

async function siblingTemp(target: string): Promise<string> {
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

let version: string | undefined;
/** The installed PGlite's version: a template made by another version is never used. */
function pgliteVersion(): string {
  if (version) return version;
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return (version = pkg.version);
    } catch {
      // no package.json at this level: keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the version of @electric-sql/pglite');
    dir = parent;
  }
}

function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
