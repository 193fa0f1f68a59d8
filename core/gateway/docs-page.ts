// The API explorer each gateway serves at /_branchyard/docs: Swagger UI from the installed
// swagger-ui-dist package (never a CDN), pointed at the gateway's own OpenAPI document. The
// page runs no inline script, so it works under a strict Content-Security-Policy.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API explorer</title>
<link rel="stylesheet" href="/_branchyard/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/_branchyard/docs/favicon-32x32.png">
</head>
<body>
<div id="branchyard-docs"></div>
<script src="/_branchyard/docs/swagger-ui-bundle.js"></script>
<script src="/_branchyard/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/_branchyard/openapi.json', dom_id: '#branchyard-docs', deepLinking: true, tryItOutEnabled: true });\n`;

export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:";

export interface DocsAsset {
  body: Buffer;
  type: string;
}

let assets: Promise<Map<string, DocsAsset>> | undefined;

/** The page and its files by path under /_branchyard/docs, read once. */
export function docsAssets(): Promise<Map<string, DocsAsset>> {
  assets ??= (async () => {
    const dir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    const map = new Map<string, DocsAsset>();
    map.set('', { body: Buffer.from(PAGE), type: 'text/html; charset=utf-8' });
    map.set('init.js', { body: Buffer.from(INIT), type: 'text/javascript; charset=utf-8' });
    for (const [file, type] of Object.entries(ASSETS))
      map.set(file, { body: await readFile(path.join(dir, file)), type });
    return map;
  })();
  assets.catch(() => (assets = undefined));
  return assets;
}
