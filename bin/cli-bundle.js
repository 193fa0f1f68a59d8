// How `branchyard` starts: from the two bundles scripts/build-cli.ts makes, the command tree and the
// engine, each with a V8 code cache beside it, instead of compiling TypeScript through tsx on every
// start. The engine bundle is loaded only when a command runs, never for `--help`.
// A checkout always runs its current sources: every start compares the command tree's inputs (size
// and mtime, as listed in the manifest; about 15 files) with the files on disk, and a command that
// runs compares the engine's (about 350) before loading it. When one changed, that start rebuilds
// both bundles (about a second), or, while another start is rebuilding them or when the sources do
// not build, runs the sources through tsx as before.
//
// Environment: BRANCHYARD_CLI=sources runs the sources through tsx; BRANCHYARD_CLI_CACHE is the
// bundle's folder (inside the checkout, so packages resolve from it); BRANCHYARD_CLI_TRACE=1 says
// on stderr which way this start ran and why.
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Must match MANIFEST_FORMAT in scripts/build-cli.ts. */
const MANIFEST_FORMAT = 2;
/** A lock older than this is from a start that hung or died while building. */
const LOCK_STALE_MS = 120_000;

/** @param {NodeJS.ProcessEnv} env */
export function cliCacheDir(env = process.env) {
  return path.resolve(ROOT, env.BRANCHYARD_CLI_CACHE || 'node_modules/.cache/branchyard-cli');
}

/**
 * One of the bundles, when every input of it is as it was when it was built; otherwise why it cannot be used.
 * @param {string} dir
 * @param {'cli' | 'engine'} which the command tree or the engine
 * @param {string} [tree] for the engine: the command tree's file it must have been built with (the
 *   tree reaches into the engine by names numbered at build time)
 * @returns {{ file: string } | { stale: string }}
 */
export function freshBundle(dir, which = 'cli', tree = undefined) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return { stale: 'no bundle built yet' };
  }
  if (manifest.format !== MANIFEST_FORMAT)
    return { stale: `the bundle's manifest is of format ${manifest.format}, not ${MANIFEST_FORMAT}` };
  if (tree && path.join(dir, manifest.cli.bundle) !== tree)
    return { stale: 'the command tree was rebuilt since this start' };
  const { bundle, inputs } = manifest[which];
  for (const [file, size, mtimeMs] of inputs) {
    const info = statSync(path.join(ROOT, file), { throwIfNoEntry: false });
    if (!info || info.size !== size || info.mtimeMs !== mtimeMs)
      return { stale: `${file} changed since the bundle was built` };
  }
  return { file: path.join(dir, bundle) };
}

/**
 * Runs the command line and resolves to its exit status.
 * @param {string[]} argv
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<number>}
 */
export async function launch(argv, env = process.env) {
  const trace = env.BRANCHYARD_CLI_TRACE
    ? (/** @type {string} */ message) => void process.stderr.write(`branchyard-cli: ${message}\n`)
    : () => {};
  if (env.BRANCHYARD_CLI === 'sources') return runSources(argv, trace, 'BRANCHYARD_CLI=sources');
  const dir = cliCacheDir(env);
  let found = freshBundle(dir, 'cli');
  let engineFile;
  if ('stale' in found) {
    const built = await rebuild(dir, found.stale, trace);
    if ('sources' in built) return runSources(argv, trace, built.sources);
    found = { file: built.file };
    engineFile = built.engineFile;
  } else trace(`bundle ${found.file}`);
  const treeFile = found.file;
  const tree = loadBundle(treeFile);

  /** @param {string} file */
  const load = (file) => {
    trace(`engine bundle ${file}`);
    return loadBundle(file);
  };
  tree.provideEngine({
    // Before an action runs: the engine as its sources are now, or this command from the sources.
    prepare: async () => {
      if (engineFile) return load(engineFile);
      const engine = freshBundle(dir, 'engine', treeFile);
      if ('file' in engine) return load(engine.file);
      const built = await rebuild(dir, engine.stale, trace);
      if ('file' in built && built.file === treeFile) return load(built.engineFile);
      // Nothing has run yet: the whole command runs from the sources instead, in this process.
      const why = 'sources' in built ? built.sources : `${engine.stale}; the command tree changed since this start`;
      process.exit(await runSources(argv, trace, why));
    },
    // Read before any action was about to run (no command does so today): the bundle as it is.
    now: () => {
      const engine = freshBundle(dir, 'engine', treeFile);
      if ('stale' in engine && !engineFile) throw new Error(`the CLI's engine bundle is out of date: ${engine.stale}`);
      return load(engineFile ?? /** @type {{ file: string }} */ (engine).file);
    },
  });
  return tree.main(argv);
}

/**
 * Rebuilds both bundles, or says why the sources must run instead.
 * @param {string} dir @param {string} stale why @param {(message: string) => void} trace
 * @returns {Promise<{ file: string, engineFile: string } | { sources: string }>}
 */
async function rebuild(dir, stale, trace) {
  const lock = takeLock(dir);
  if ('busy' in lock) return { sources: `${stale}; ${lock.busy}` };
  try {
    await registerTsx();
    const { buildCli } = await import('../scripts/build-cli.ts');
    const built = await buildCli({ cacheDir: dir });
    trace(`rebuilt the bundle in ${built.ms} ms (${stale})`);
    return { file: built.file, engineFile: built.engineFile };
  } catch (error) {
    // Sources that do not build (a half-made edit) fail the same way through tsx, with its message.
    return { sources: `${stale}; the bundle did not build: ${/** @type {Error} */ (error).message}` };
  } finally {
    lock.release();
  }
}

/** @param {string[]} argv @param {(message: string) => void} trace @param {string} why @returns {Promise<number>} */
async function runSources(argv, trace, why) {
  trace(`sources through tsx (${why})`);
  await registerTsx();
  const { main } = await import('../core/cli/index.ts');
  return main(argv);
}

let tsxRegistered = false;
async function registerTsx() {
  if (tsxRegistered) return;
  const { register } = await import('tsx/esm/api');
  register();
  tsxRegistered = true;
}

/**
 * Evaluates the bundle as a CommonJS module, compiled from its V8 code cache when there is one
 * (Node 20 has no compile cache of its own); the cache is written once this start has compiled
 * what it uses.
 * @param {string} file
 * @returns {any} the bundle's exports
 */
function loadBundle(file) {
  const dynamicImports = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  // Older Node 20 cannot give a vm script import(): load it plainly, without a code cache.
  if (!dynamicImports) return createRequire(import.meta.url)(file);
  const cacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
    importModuleDynamically: dynamicImports,
  });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  if (!cachedData || script.cachedDataRejected) {
    let saved = false;
    const save = () => {
      if (saved) return;
      saved = true;
      try {
        const temporary = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cacheFile);
      } catch {
        // A read-only cache folder only costs the next start its compile time.
      }
    };
    setTimeout(save, 2000).unref();
    process.once('beforeExit', save);
  }
  return module.exports;
}

/**
 * One rebuild at a time: the lock file holds the builder's pid.
 * @param {string} dir
 * @returns {{ release: () => void } | { busy: string }}
 */
function takeLock(dir) {
  const file = path.join(dir, 'build.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(dir, { recursive: true });
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => unlinkQuietly(file) };
    } catch (error) {
      const code = /** @type {NodeJS.ErrnoException} */ (error).code;
      // A cache folder this user cannot write (a shared install): the sources, every time.
      if (code !== 'EEXIST') return { busy: `the bundle cannot be written in ${dir} (${code})` };
      if (lockHeld(file)) return { busy: 'another start is rebuilding the bundle' };
      unlinkQuietly(file);
    }
  }
  return { busy: 'another start is rebuilding the bundle' };
}

/** @param {string} file */
function lockHeld(file) {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    if (Date.now() - statSync(file).mtimeMs > LOCK_STALE_MS) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but another user's; an empty file: its writer is between open and write.
    const code = /** @type {NodeJS.ErrnoException} */ (error).code;
    return code === 'EPERM' || code === undefined;
  }
}

/** @param {string} file */
function unlinkQuietly(file) {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
