// Serves the built renderer. Paths are resolved inside its folder and nothing outside it is
// ever read; unknown paths fall back to index.html for the single-page app.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

export async function serveStatic(root: string, urlPath: string, response: ServerResponse): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    response.writeHead(400).end('bad path');
    return;
  }
  const file = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  const inside = file === root || file.startsWith(root + path.sep);
  const target = inside && (await isFile(file)) ? file : path.join(root, 'index.html');
  if (!(await isFile(target))) {
    response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(
      'The UI is not built yet: run `npm run build:renderer` (npm start does it for you). The API answers at /trpc.',
    );
    return;
  }
  const hashed = target.includes(`${path.sep}assets${path.sep}`);
  response.writeHead(200, {
    'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream',
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  // pipeline, not pipe: a read that fails (the file replaced by a rebuild) or a client that goes
  // away destroys both ends, instead of an unhandled error event ending the process. The status
  // is already sent; there is nobody left to tell.
  await pipeline(createReadStream(target), response).catch(() => undefined);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
