// The server runtime bundle and its V8 code cache: made once into its store and linked into each
// build folder, not made again by a later engine process; a branch compiles the runtime from the
// cache, and a cache V8 refuses (damaged, or made for other source) is ignored, never fatal.
// Bundles of earlier engines that nothing used for a day leave the store.
import { isAscii } from 'node:buffer';
import { link, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { LOADER, runLoaderScript } from './fixtures/loader-script.ts';
import {
  CODE_CACHE_FILE,
  ensureRuntimeBundle,
  placeRuntimeBundle,
  PRELOADER_FILE,
  RUNTIME_FILE,
  UNUSED_BUNDLE_MS,
} from './runtime-bundle.ts';

/** Loads runtime.cjs in `dir` as a branch's server does, in a process of its own. */
function loadIn(dir: string): Promise<{ cache: string; zod: string; server: string }> {
  const script = `import { loadRuntime } from ${JSON.stringify(LOADER)};
const loaded = loadRuntime(${JSON.stringify(path.join(dir, RUNTIME_FILE))});
console.log(JSON.stringify({ cache: loaded.cache, zod: typeof loaded.exports.zod.z.object, server: typeof loaded.exports.server.startBranchServer }));`;
  return runLoaderScript(script, { PATH: process.env.PATH ?? '' });
}

describe('the server runtime bundle', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: string;

  beforeAll(async () => {
    dir = await tempDir('branchyard-runtime-bundle-');
    store = path.join(dir.path, 'store');
  });
  afterAll(() => dir.dispose());

  it('is made once with its code cache, linked into every build folder, and not made again by a later process', async () => {
    const bundle = await ensureRuntimeBundle(store);
    expect(bundle.hasCodeCache).toBe(true);
    const cache = await stat(path.join(bundle.dir, CODE_CACHE_FILE));
    expect(cache.size).toBeGreaterThan(0);
    // ASCII throughout (the comments esbuild keeps escaped too): every start reads it as Latin-1.
    expect(isAscii(await readFile(path.join(bundle.dir, RUNTIME_FILE)))).toBe(true);
    expect(await readFile(path.join(bundle.dir, PRELOADER_FILE), 'utf8')).toContain('preloadRuntime');

    const first = path.join(dir.path, 'build-1');
    const second = path.join(dir.path, 'build-2');
    for (const out of [first, second]) {
      await mkdir(out);
      await placeRuntimeBundle(out, store);
    }
    // The same file on disk (a hard link), not a copy per build.
    for (const file of [RUNTIME_FILE, CODE_CACHE_FILE]) {
      const inStore = await stat(path.join(bundle.dir, file));
      expect((await stat(path.join(first, file))).ino).toBe(inStore.ino);
      expect((await stat(path.join(second, file))).ino).toBe(inStore.ino);
    }

    // A fresh module (as in another engine process) finds the bundle and leaves its cache as it was.
    vi.resetModules();
    const again = await import('./runtime-bundle.ts');
    const found = await again.ensureRuntimeBundle(store);
    expect(found.dir).toBe(bundle.dir);
    const after = await stat(path.join(bundle.dir, CODE_CACHE_FILE));
    expect(after.ino).toBe(cache.ino);
    expect(after.mtimeMs).toBe(cache.mtimeMs);
  });

  it('is compiled from its code cache by a branch, and from source when the cache is missing or refused', async () => {
    const bundle = await ensureRuntimeBundle(store);
    expect(await loadIn(bundle.dir)).toEqual({ cache: 'code cache', zod: 'function', server: 'function' });

    // A damaged cache is refused before V8 sees it (V8 does not check its data, and would crash).
    const damaged = path.join(dir.path, 'damaged');
    await mkdir(damaged);
    await writeFile(path.join(damaged, RUNTIME_FILE), await readFile(path.join(bundle.dir, RUNTIME_FILE)));
    const bytes = await readFile(path.join(bundle.dir, CODE_CACHE_FILE));
    for (let i = 64; i < bytes.length; i += 4096) bytes[i] = bytes[i]! ^ 0xff;
    await writeFile(path.join(damaged, CODE_CACHE_FILE), bytes);
    expect(await loadIn(damaged)).toEqual({
      cache: 'compiled, code cache rejected',
      zod: 'function',
      server: 'function',
    });

    // Other source of the same length, which V8 alone would take the cache for.
    const other = path.join(dir.path, 'other');
    await mkdir(other);
    const source = await readFile(path.join(bundle.dir, RUNTIME_FILE), 'utf8');
    expect(source).toContain('warm-up');
    await writeFile(path.join(other, RUNTIME_FILE), source.replace('warm-up', 'warm-uq'));
    await writeFile(path.join(other, CODE_CACHE_FILE), await readFile(path.join(bundle.dir, CODE_CACHE_FILE)));
    expect(await loadIn(other)).toEqual({
      cache: 'compiled, code cache rejected',
      zod: 'function',
      server: 'function',
    });

    await rm(path.join(other, CODE_CACHE_FILE));
    expect(await loadIn(other)).toEqual({ cache: 'compiled, no code cache', zod: 'function', server: 'function' });
  });
  it('leaves the store of bundles unused for a day and of staging folders left by a crash, and keeps the rest', async () => {
    const own = path.join(dir.path, 'prune-store');
    const current = await ensureRuntimeBundle(own);
    const hour = 60 * 60 * 1000;
    const aged = async (name: string, ageMs: number, file = 'x') => {
      await mkdir(path.join(own, name), { recursive: true });
      await writeFile(path.join(own, name, file), 'earlier engine');
      const at = new Date(Date.now() - ageMs);
      await utimes(path.join(own, name), at, at);
    };
    await aged('aaaaaaaaaaaaaaaa', UNUSED_BUNDLE_MS + hour, RUNTIME_FILE); // an old engine's bundle
    await aged('bbbbbbbbbbbbbbbb', UNUSED_BUNDLE_MS - hour, RUNTIME_FILE); // used within the day
    await aged(`${current.hash}.deadbeef`, 2 * hour); // a crash while making one
    await aged(`${current.hash}.0badf00d`, 60_000); // being made right now
    await aged('notes', UNUSED_BUNDLE_MS * 3); // not the engine's: never touched
    // A build made from the old bundle holds its own link: it stays whole when the store drops it.
    const oldBuild = path.join(dir.path, 'old-build');
    await mkdir(oldBuild);
    await link(path.join(own, 'aaaaaaaaaaaaaaaa', RUNTIME_FILE), path.join(oldBuild, RUNTIME_FILE));
    const currentDir = path.join(own, current.hash);
    await utimes(currentDir, new Date(0), new Date(0));

    // The next engine process to use the store cleans it.
    vi.resetModules();
    const again = await import('./runtime-bundle.ts');
    const found = await again.ensureRuntimeBundle(own);
    expect(found.dir).toBe(currentDir);
    expect((await readdir(own)).sort()).toEqual(
      [current.hash, `${current.hash}.0badf00d`, 'bbbbbbbbbbbbbbbb', 'notes'].sort(),
    );
    expect(await readFile(path.join(oldBuild, RUNTIME_FILE), 'utf8')).toBe('earlier engine');
    // The bundle in use is marked as used now, so it is not the next one removed.
    expect(Date.now() - (await stat(currentDir)).mtimeMs).toBeLessThan(hour);
  });
});
