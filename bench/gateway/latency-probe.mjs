// Sequential requests on one kept-alive connection, timed with hrtime: the added latency of a
// hop without queueing. Runs as its own process. Prints JSON { p50, p99 } in milliseconds.
//   node latency-probe.mjs <https|http|socket> <target> <host> <path> <count>
import http from 'node:http';
import https from 'node:https';

const [kind, target, host, path, count = '2000'] = process.argv.slice(2);
const agent =
  kind === 'https'
    ? new https.Agent({ keepAlive: true, maxSockets: 1 })
    : new http.Agent({ keepAlive: true, maxSockets: 1 });
const once = () =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const options =
      kind === 'socket'
        ? { socketPath: target, path, agent }
        : {
            host: '127.0.0.1',
            port: Number(target),
            path,
            agent,
            headers: { host },
            servername: host,
            rejectUnauthorized: false,
          };
    const request = (kind === 'https' ? https : http).get(options, (response) => {
      response.resume();
      response.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
    });
    request.on('error', reject);
  });
for (let i = 0; i < 200; i++) await once();
const samples = [];
for (let i = 0; i < Number(count); i++) samples.push(await once());
samples.sort((a, b) => a - b);
const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
console.log(JSON.stringify({ p50: at(0.5), p99: at(0.99) }));
agent.destroy();
