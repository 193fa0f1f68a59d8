// A build's describing process loads the server runtime from the store while it waits for its
// folder (describe-waiter.ts): the server then uses that load for the same file (a hard link into
// the store) and loads any other file itself, in a process of its own as a describe runs.
import { copyFile, link } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { LOADER, runLoaderScript } from './fixtures/loader-script.ts';
import { ensureRuntimeBundle, RUNTIME_FILE } from './runtime-bundle.ts';

/** Preloads `store`, then loads each of `files` as a server does: whether each load was the preloaded one. */
function reused(store: string, files: string[]): Promise<boolean[]> {
  const script = `import { loadRuntime, preloadRuntime } from ${JSON.stringify(LOADER)};
preloadRuntime(${JSON.stringify(store)});
const first = loadRuntime(${JSON.stringify(store)});
console.log(JSON.stringify(${JSON.stringify(files)}.map((file) => loadRuntime(file).exports === first.exports)));`;
  return runLoaderScript(script);
}

describe('a runtime loaded ahead', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => void (dir = await tempDir()));
  afterAll(() => dir.dispose());

  it('is used by a server whose runtime.cjs is the same file, and never for a copy', async () => {
    const store = path.join((await ensureRuntimeBundle()).dir, RUNTIME_FILE);
    const linked = path.join(dir.path, 'linked.cjs');
    const copied = path.join(dir.path, 'copied.cjs');
    await link(store, linked);
    await copyFile(store, copied);
    expect(await reused(store, [linked, copied])).toEqual([true, false]);
  });
});
