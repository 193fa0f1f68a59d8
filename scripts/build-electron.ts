// Builds the preload of the desktop window into dist/electron/preload.cjs: a sandboxed
// renderer's preload must be one CommonJS file. The main process runs from its sources
// (electron/start.mjs).
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildElectron(): Promise<void> {
  await build({
    entryPoints: [`${root}electron/preload.ts`],
    outfile: `${root}dist/electron/preload.cjs`,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildElectron();
