// What a browser is shown when it opens serve's address without the token: a page saying how to
// get in, instead of the bare JSON that scripts get. Static, no script, nothing of the workspace.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A browser navigating to a page asks for HTML first; fetch calls and scripts do not. */
export function wantsPage(request: IncomingMessage): boolean {
  return /\btext\/html\b/.test(request.headers.accept ?? '');
}

export const SIGN_IN_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Branchyard: open the address with its token</title>
<style>
  :root { color-scheme: light dark; font: 15px/1.55 system-ui, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f6f7f9; color: #1f2328; }
  main { max-width: 36rem; margin: 2rem; padding: 2rem 2.25rem; border: 1px solid #d6dbe1; border-radius: 12px; background: #fff; }
  h1 { margin: 0 0 0.75rem; font-size: 1.4rem; }
  code { font: 14px ui-monospace, monospace; padding: 0.1rem 0.3rem; border-radius: 4px; background: #eceef2; }
  pre { padding: 0.75rem 1rem; border-radius: 8px; background: #eceef2; overflow-x: auto; }
  @media (prefers-color-scheme: dark) {
    body { background: #18191c; color: #e3e5e8; }
    main { background: #1e1f23; border-color: #30333a; }
    code, pre { background: #26282d; }
  }
</style>
</head>
<body>
<main>
  <h1>This Branchyard engine needs its token</h1>
  <p>The engine answers only the person who started it. When the engine starts, it prints an address with a token, such as:</p>
  <pre>http://127.0.0.1:7400/?token=…</pre>
  <p>Open that whole address once: the token is then kept in a cookie for this browser, and taken out of the address bar.</p>
  <p>Lost it? Stop the engine and start it again for your workspace; it prints a new address. The desktop app needs none of this.</p>
</main>
</body>
</html>
`;

/** 401 with the page for a browser, or the JSON error for a script. */
export function unauthorized(request: IncomingMessage, response: ServerResponse): void {
  if (wantsPage(request)) {
    response.writeHead(401, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'www-authenticate': 'Bearer',
    });
    return void response.end(SIGN_IN_PAGE);
  }
  response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
  response.end(
    JSON.stringify({ error: 'unauthorized: open the address with the token that the engine printed when it started' }),
  );
}
