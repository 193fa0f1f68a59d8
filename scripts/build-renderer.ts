// Builds the renderer into dist/renderer with vite's own API; `npm start`, the e2e tests and
// `npm run build:renderer` all come here, so the build is described once (renderer/vite.config.ts).
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export async function buildRenderer(): Promise<void> {
  await build({ configFile: fileURLToPath(new URL('../renderer/vite.config.ts', import.meta.url)), logLevel: 'warn' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildRenderer();
