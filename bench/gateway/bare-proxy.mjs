// The floor of any reverse proxy written on Node: an HTTPS server that forwards every request to
// the branch socket over an undici pool and sends the answer back, with nothing else (no routing,
// checks, logs). The gateway benchmark runs it beside the gateway, so the gap to nginx that is
// Node's own shows apart from the gap that is the gateway's work.
//   node bench/gateway/bare-proxy.mjs <socket> <port> <cert.pem> <key.pem>
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { Pool } from 'undici';

const [socketPath, port, cert, key] = process.argv.slice(2);
const pool = new Pool('http://branch.invalid', { socketPath, connections: 256 });
https
  .createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (request, response) => {
    pool.request({ path: request.url, method: request.method, headers: request.headers }).then(
      async (answer) => {
        const body = Buffer.from(await answer.body.arrayBuffer());
        response.writeHead(answer.statusCode, {
          'content-type': answer.headers['content-type'] ?? 'application/octet-stream',
          'content-length': body.length,
        });
        response.end(body);
      },
      () => response.writeHead(502).end(),
    );
  })
  .listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
