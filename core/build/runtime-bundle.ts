// The server runtime bundle: the runtime and its packages (2 MB, nearly all of a branch's
// server) bundled once per engine as CommonJS, with a V8 code cache made once beside it, kept in a
// store by content and linked into every build folder. Compiling that bundle was most of a
// branch's start and wake; from the cache it is not compiled again. Each build folder holds its
// own link, so a build stays whole on its own (the sandbox copies it; a container mounts it).
import { randomBytes, createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { copyFile, link, mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const RUNTIME_FILE = 'runtime.cjs';
export const CODE_CACHE_FILE = `${RUNTIME_FILE}.v8cache`;
/** What a branch's launcher imports to compile the runtime while it waits for its build. */
export const PRELOADER_FILE = 'preload.mjs';
const ENTRY = fileURLToPath(new URL('./runtime-entry.ts', import.meta.url));
const PRELOADER = fileURLToPath(new URL('./runtime-preloader.ts', import.meta.url));
const LOADER = fileURLToPath(new URL('./runtime-loader.ts', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
/** Bumped when what the store holds changes (the cache's seal; 3: preload.mjs). */
const CACHE_FORMAT = 3;
/** How long making the code cache (loading the bundle, a few requests) may take. */
const CACHE_TIMEOUT_MS = 60_000;
/**
 * A bundle no engine process has used for this long is removed from the store (3 MB each, one
 * per engine change). Not at once: an engine of another version may run beside this one, and
 * builds keep their own hard links, so removing a bundle never breaks a build made from it.
 */
export const UNUSED_BUNDLE_MS = 24 * 60 * 60 * 1000;
/** A staging folder this old was left by a process that died while making a bundle. */
const STALE_STAGING_MS = 60 * 60 * 1000;

export interface RuntimeBundle {
  /** The store folder holding runtime.cjs, its preloader and, when V8 made one, its code cache. */
  dir: string;
  hash: string;
  hasCodeCache: boolean;
}

/** The store beside the engine's packages; a temporary folder when that cannot be written. */
export function defaultRuntimeStore(): string {
  return path.join(NODE_MODULES, '.cache', 'branchyard-server-runtime');
}

const made = new Map<string, Promise<RuntimeBundle>>();

/**
 * The runtime bundle of this engine in `store`, made (with its code cache) when the store does
 * not hold it yet; once per process and store.
 */
export function ensureRuntimeBundle(store = defaultRuntimeStore()): Promise<RuntimeBundle> {
  let bundle = made.get(store);
  if (!bundle) {
    bundle = makeRuntimeBundle(store).catch(async (error: unknown) => {
      made.delete(store);
      const fallback = path.join(os.tmpdir(), 'branchyard-server-runtime');
      if (store === fallback) throw error;
      return ensureRuntimeBundle(fallback);
    });
    made.set(store, bundle);
  }
  return bundle;
}

async function makeRuntimeBundle(store: string): Promise<RuntimeBundle> {
  const output = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // ASCII (esbuild's default, named here): every start reads it as Latin-1 (runtime-loader.ts).
    charset: 'ascii',
    target: 'node20',
    // pg loads its optional native binding by name; it is never part of the stack.
    external: ['pg-native'],
    nodePaths: [NODE_MODULES],
    logLevel: 'silent',
    write: false,
  });
  const source = asciiOnly(output.outputFiles[0]!.text);
  // The cache holds this Node's compiled code: another Node (or cache format) makes another one.
  const hash = createHash('sha256')
    .update(source)
    .update(`${process.version}:${CACHE_FORMAT}`)
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(store, hash);
  const existing = await stat(path.join(dir, RUNTIME_FILE)).catch(() => undefined);
  if (existing) {
    await pruneRuntimeStore(store, hash);
    return { dir, hash, hasCodeCache: await exists(path.join(dir, CODE_CACHE_FILE)) };
  }

  await mkdir(store, { recursive: true });
  const staging = `${dir}.${randomBytes(4).toString('hex')}`;
  await mkdir(staging);
  try {
    await writeFile(path.join(staging, RUNTIME_FILE), source, { mode: 0o644 });
    await writeFile(path.join(staging, PRELOADER_FILE), await preloaderSource(), { mode: 0o644 });
    // A cache V8 could not make leaves the bundle to be compiled at each start, as before.
    await makeCodeCache(path.join(staging, RUNTIME_FILE), path.join(staging, CODE_CACHE_FILE)).catch(() => undefined);
    await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another engine process placed the same bundle first.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await pruneRuntimeStore(store, hash);
  return { dir, hash, hasCodeCache: await exists(path.join(dir, CODE_CACHE_FILE)) };
}

/**
 * esbuild escapes every non-ASCII character in code, but keeps comments as they are (a few packages
 * write ¥ or — in theirs). Escaped there too, the whole file is ASCII, which a branch reads ~15 ms
 * faster (runtime-loader.ts). Line and paragraph separators stay: in a comment they end a line.
 */
function asciiOnly(text: string): Buffer {
  return Buffer.from(
    text.replace(/[\u0080-\u2027\u202a-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}

/** This engine's runtime preloader, in the store (made with the bundle when the store lacks it). */
export async function runtimePreloader(store?: string): Promise<string> {
  return path.join((await ensureRuntimeBundle(store)).dir, PRELOADER_FILE);
}

/** A script of the engine's for Node on its own: one ES module with what it imports, in memory. */
const NODE_SCRIPT = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'silent',
  write: false,
} as const;

async function preloaderSource(): Promise<Uint8Array> {
  const output = await build({ entryPoints: [PRELOADER], ...NODE_SCRIPT });
  return output.outputFiles[0]!.contents;
}

/**
 * Marks the bundle `inUse` as used now (its folder's time) and removes the store's bundles unused
 * for UNUSED_BUNDLE_MS and staging folders left by a crash. Best effort: a store that cannot be
 * cleaned still serves.
 */
export async function pruneRuntimeStore(store: string, inUse: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  await utimes(path.join(store, inUse), new Date(now), new Date(now)).catch(() => undefined);
  const names = await readdir(store).catch(() => [] as string[]);
  for (const name of names) {
    if (name === inUse) continue;
    const bundle = /^[0-9a-f]{16}$/.test(name);
    const staging = /^[0-9a-f]{16}\.[0-9a-f]{8}$/.test(name);
    if (!bundle && !staging) continue; // not ours: never touched
    const changed = await stat(path.join(store, name)).catch(() => undefined);
    if (!changed || now - changed.mtimeMs < (bundle ? UNUSED_BUNDLE_MS : STALE_STAGING_MS)) continue;
    await rm(path.join(store, name), { recursive: true, force: true }).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

/**
 * Loads the bundle in a Node process of its own (the binary branches run: the codebase image is
 * made from it), runs a branch's start and first requests, and writes V8's cache of what that
 * compiled. The maker compiles the bundle exactly as runtime-loader.ts does in every branch.
 */
async function makeCodeCache(file: string, cacheFile: string): Promise<void> {
  const maker = await build({
    stdin: {
      contents: `import { writeFileSync } from 'node:fs';
import { readRuntimeSource, runtimeScript, runScript, sealCodeCache } from ${JSON.stringify(LOADER)};
const [file, cacheFile] = process.argv.slice(2);
const { bytes, source } = readRuntimeSource(file);
const script = runtimeScript(source, file);
await runScript(script, file).warmUp();
writeFileSync(cacheFile, sealCodeCache(bytes, script.createCachedData()));
`,
      loader: 'ts',
      resolveDir: path.dirname(LOADER),
    },
    ...NODE_SCRIPT,
  });
  const script = path.join(path.dirname(file), 'make-code-cache.mjs');
  await writeFile(script, maker.outputFiles[0]!.contents);
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [script, file, cacheFile],
        // No inherited NODE_OPTIONS: V8 refuses a cache made under other flags.
        { timeout: CACHE_TIMEOUT_MS, env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() } },
        (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
      ),
    );
  } finally {
    await rm(script, { force: true });
  }
}

/**
 * Puts the runtime bundle and its cache into a build folder: hard links into the store (one copy
 * on disk and in the page cache for every build), copies when the two are on different disks.
 */
export async function placeRuntimeBundle(outDir: string, store?: string): Promise<RuntimeBundle> {
  for (let attempt = 0; ; attempt++) {
    const bundle = await ensureRuntimeBundle(store);
    try {
      for (const file of bundle.hasCodeCache ? [RUNTIME_FILE, CODE_CACHE_FILE] : [RUNTIME_FILE])
        await link(path.join(bundle.dir, file), path.join(outDir, file)).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') throw error;
          return copyFile(path.join(bundle.dir, file), path.join(outDir, file));
        });
      return bundle;
    } catch (error) {
      // The store was emptied while this process ran: made again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw error;
      made.delete(store ?? defaultRuntimeStore());
    }
  }
}

function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
