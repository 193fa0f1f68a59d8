// The build's describing process on the host (build-branch.ts), started before the type-check:
// it loads the server runtime from the store (the path it is given) while it waits, then reads
// the build folder from its stdin and loads its server.mjs as `node server.mjs --print-openapi`
// would; the server's runtime.cjs, a hard link to the same file, is not loaded again. An empty
// stdin ends it unused. Bundled by esbuild and run with `node -e`.
import { pathToFileURL } from 'node:url';
import { preloadRuntime } from './runtime-loader.ts';

const runtime = process.argv[1];
try {
  if (runtime) preloadRuntime(runtime);
} catch {
  // The server loads its own copy.
}
let dir = '';
process.stdin
  .setEncoding('utf8')
  .on('data', (chunk: string) => (dir += chunk))
  .on('end', () => {
    if (!dir) return;
    process.argv.push('--print-openapi');
    import(pathToFileURL(`${dir}/server.mjs`).href).catch((error: unknown) => {
      console.error((error as Error)?.stack ?? String(error));
      process.exit(1);
    });
  });
