// Bundled into every branch's server: loads the server runtime bundle (runtime.cjs, beside the
// server) through V8's code cache made when the bundle was made, so a start or a wake does not
// compile its 2 MB again. Node 20 has no compile cache of its own, and cannot give one to an ES
// module; the branch's own code stays ESM (top-level await) and is small.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** How the runtime was compiled: from its code cache, or from source (none, or refused). */
export type CodeCacheUse = 'code cache' | 'compiled, no code cache' | 'compiled, code cache rejected';

/**
 * Ahead of V8's data, the hashes of the source it was made from and of the data itself. V8 checks
 * only the source's length and does not verify its data outside debug builds (damaged data
 * crashes the process), so both are checked here before V8 sees it.
 */
const SEAL_BYTES = 64;

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();

/** `source`: the runtime file's bytes (hashed as they are: a string would be encoded again). */
export function sealCodeCache(source: Uint8Array, data: Buffer): Buffer {
  return Buffer.concat([sha256(source), sha256(data), data]);
}

/** V8's data from a sealed cache made for `source` (its bytes); undefined when it is for other source or damaged. */
export function unsealCodeCache(source: Uint8Array, sealed: Buffer): Buffer | undefined {
  if (sealed.length <= SEAL_BYTES) return undefined;
  const data = sealed.subarray(SEAL_BYTES);
  if (!sha256(source).equals(sealed.subarray(0, 32)) || !sha256(data).equals(sealed.subarray(32, SEAL_BYTES)))
    return undefined;
  return data;
}

/**
 * The runtime bundle's bytes and its source text. The bundle is ASCII (esbuild escapes the rest),
 * and ASCII read as Latin-1 is the same text without UTF-8 decoding: ~15 ms of every branch start
 * for 2 MB. The cache's maker reads it the same way, so both compile the same string.
 */
export function readRuntimeSource(file: string): { bytes: Buffer; source: string } {
  const bytes = readFileSync(file);
  return { bytes, source: bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8') };
}

/**
 * The script both the cache's maker and every branch compile: the same source and options, or
 * V8 refuses the cache.
 */
export function runtimeScript(source: string, file: string, cachedData?: Buffer): vm.Script {
  return new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    // import() from the bundle works as in a module of its own (Node 20.13+ names this).
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  } as vm.ScriptOptions);
}

/** Evaluates the compiled bundle as a CommonJS module and returns its exports. */
export function runScript(script: vm.Script, file: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void).call(
    module.exports,
    module.exports,
    createRequire(file),
    module,
    file,
    path.dirname(file),
  );
  return module.exports;
}

/** `cache`: how it was compiled, and ", preloaded" when a launcher loaded it before the server. */
type LoadedRuntime = { exports: Record<string, unknown>; cache: string };

/**
 * A runtime loaded ahead by a build's describing process while it waited for its folder
 * (describe-waiter.ts), with the file's identity: a build folder's runtime.cjs is a hard link
 * into the store, the same file, and is not loaded a second time.
 */
const PRELOADED = Symbol.for('branchyard.preloaded-runtime');
type Preloaded = { dev: number; ino: number; loaded: LoadedRuntime };

export function preloadRuntime(file: string): void {
  const { dev, ino } = statSync(file);
  (globalThis as { [PRELOADED]?: Preloaded })[PRELOADED] = { dev, ino, loaded: loadRuntime(file) };
}

function preloaded(file: string): LoadedRuntime | undefined {
  const kept = (globalThis as { [PRELOADED]?: Preloaded })[PRELOADED];
  if (!kept) return undefined;
  const { dev, ino } = statSync(file, { throwIfNoEntry: false }) ?? {};
  // Said in the branch's "listening" line: the runtime was compiled before the server arrived.
  return dev === kept.dev && ino === kept.ino
    ? { ...kept.loaded, cache: `${kept.loaded.cache}, preloaded` }
    : undefined;
}

export function loadRuntime(url: URL | string): LoadedRuntime {
  const file = typeof url === 'string' ? url : fileURLToPath(url);
  const ahead = preloaded(file);
  if (ahead) return ahead;
  const { bytes, source } = readRuntimeSource(file);
  let sealed: Buffer | undefined;
  try {
    sealed = readFileSync(`${file}.v8cache`);
  } catch {
    sealed = undefined;
  }
  const cachedData = sealed && unsealCodeCache(bytes, sealed);
  const script = runtimeScript(source, file, cachedData);
  const cache: CodeCacheUse = !sealed
    ? 'compiled, no code cache'
    : !cachedData || script.cachedDataRejected
      ? 'compiled, code cache rejected'
      : 'code cache';
  return { exports: runScript(script, file), cache };
}
