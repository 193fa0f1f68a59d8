// Builds the renderer into dist/renderer with vite's own API; `npm start`, the e2e tests and
// `npm run build:renderer` all come here, so the build is described once (renderer/vite.config.ts).
// A build is skipped when its inputs (the renderer's files, the lock file, tsconfig.json, this script) are the
// ones the last build was made from, and builds are taken one at a time across processes: the
// e2e files start together, and one build emptying dist/renderer under another's served page
// would break it.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { acquireFileLock } from '../core/locks/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, 'dist', 'renderer');
/** Written last by a build that finished: the hash of what it was made from. */
const STAMP = path.join(OUT, '.inputs');

export async function buildRenderer(options: { force?: boolean } = {}): Promise<{ built: boolean }> {
  // Synchronously, so callers in one process take their turns in the order they called.
  mkdirSync(path.dirname(OUT), { recursive: true });
  const lock = await acquireFileLock(path.join(ROOT, 'dist', '.renderer-build.lock'), {
    what: 'the renderer build',
    waitMs: 300_000,
  });
  try {
    const inputs = await inputsHash();
    if (!options.force && (await readFile(STAMP, 'utf8').catch(() => '')) === inputs) return { built: false };
    // Vite builds for whatever NODE_ENV says, and vitest sets it to `test`: the e2e tests and the
    // UI bench were served React's development build (jsxDEV, prop checks on every element),
    // several times slower. The window is built for production, whoever asks.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ configFile: path.join(ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
    await writeFile(STAMP, inputs);
    return { built: true };
  } finally {
    await lock.dispose();
  }
}

async function inputsHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = [
    ...(await filesUnder(path.join(ROOT, 'renderer'))),
    path.join(ROOT, 'package-lock.json'),
    path.join(ROOT, 'tsconfig.json'),
    fileURLToPath(import.meta.url),
  ].sort();
  for (const file of files)
    hash
      .update(`${path.relative(ROOT, file)}\0`)
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
    ),
  );
  return nested.flat();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildRenderer({ force: true });
