// Benchmark (issue 7): ingesting realistic mixed log output into token-sized files: bytes read
// as PM2 writes them, split into lines, escaped, redacted, counted, written and rolled. MB/s,
// tokens/s and peak memory, against the reference: reading and tokenising the same data in
// one pass with no files written. Each run is a child process of its own, so its peak memory
// is its own; the pipeline is run on two sizes to show its memory does not grow with the data.
//   node --import tsx bench/logs/ingest.ts [--mb 100]
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LineSplitter, lineText, Redactor, TokenLog } from '../../core/logs/index.ts';
import { countTokens } from '../../core/tokens/index.ts';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '100' },
    phase: { type: 'string' },
    file: { type: 'string' },
    out: { type: 'string' },
  },
});

interface Figures {
  seconds: number;
  bytes: number;
  tokens: number;
  peakRssMb: number;
  files?: number;
}

/** Output of a busy API service: requests, JSON, SQL, warnings, stack traces, now and then a key or a long line. */
async function generate(file: string, megabytes: number): Promise<void> {
  const out = createWriteStream(file);
  const target = megabytes * 1024 * 1024;
  let written = 0;
  let i = 0;
  const routes = ['/notes/list-notes', '/users/get-user', '/orders/create-order', '/search/find-products', '/health'];
  while (written < target) {
    const t = new Date(Date.UTC(2026, 10, 21, 10, 0, 0) + i * 37).toISOString().slice(0, 19);
    let line: string;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
        line = `${t}: GET ${routes[i % 5]}?page=${i % 13} 200 ${(i % 97) / 10}ms`;
        break;
      case 3:
        line = `${t}: {"level":"info","msg":"order created","orderId":${i},"customer":"c-${(i * 7919).toString(36)}","total":${(i % 1000) / 10},"items":[{"sku":"sku-${i % 300}","qty":${i % 5}}]}`;
        break;
      case 4:
        line = `${t}: select "id", "title", "body" from "notes" where "owner_id" = $1 order by "created_at" desc limit 50 -- params: [${i}]`;
        break;
      case 5:
        line = `${t}: warning: slow query took ${i % 3000} ms; consider an index on notes(owner_id)`;
        break;
      case 6:
        line = `${t}: Error: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)\n    at Pool.connect (/app/node_modules/pg-pool/index.js:45:11)`;
        break;
      case 7:
        line = `${t}: calling upstream with authorization: Bearer ${(i * 104729).toString(36)}abcdefghijklmnop`;
        break;
      case 8:
        line =
          i % 1000 === 8
            ? `${t}: ${'payload chunk '.repeat(800)}`
            : `${t}: POST /orders/create-order 201 ${(i % 50) / 10}ms 312B`;
        break;
      default:
        line = `${t}: 日本語のログ行 ${i} — naïve café ✓`;
    }
    const chunk = `${line}\n`;
    written += Buffer.byteLength(chunk);
    i += 1;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

function sampleMemory(): () => number {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss) / 1024 / 1024;
  };
}

/** The reference: read and tokenise each line, nothing written. */
async function reference(file: string): Promise<Figures> {
  const peak = sampleMemory();
  const started = performance.now();
  let tokens = 0;
  let bytes = 0;
  const splitter = new LineSplitter((line) => (tokens += countTokens(`${line.toString('utf8')}\n`)));
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    splitter.push(chunk);
  }
  splitter.end();
  return { seconds: (performance.now() - started) / 1000, bytes, tokens, peakRssMb: peak() };
}

/** The pipeline: what the engine does with PM2's output. */
async function pipeline(file: string, dir: string): Promise<Figures> {
  const peak = sampleMemory();
  const started = performance.now();
  let tokens = 0;
  let bytes = 0;
  let files = 0;
  const log = await TokenLog.open({
    dir,
    threshold: 10_000,
    redactor: new Redactor(['sk-or-v1-the-configured-key-0123456789']),
    onFiles: (c) => (files += c.removed.length),
  });
  const splitter = new LineSplitter((line) => log.append(lineText(line)));
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    splitter.push(chunk);
    if (log.pending > 4 * 1024 * 1024) await log.flush();
  }
  splitter.end();
  await log.close();
  const seconds = (performance.now() - started) / 1000;
  // Counted after the clock stops: what the files hold.
  for (const name of await readdir(dir)) tokens += countTokens(await readFile(path.join(dir, name), 'utf8'));
  return { seconds, bytes, tokens, peakRssMb: peak(), files };
}

function child(phase: string, file: string, out?: string, heapMb?: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        ...(heapMb ? [`--max-old-space-size=${heapMb}`] : []),
        '--import',
        'tsx',
        path.resolve('bench/logs/ingest.ts'),
        '--phase',
        phase,
        '--file',
        file,
        ...(out ? ['--out', out] : []),
      ],
      { maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(JSON.parse(stdout) as Figures),
    );
  });
}

if (values.phase) {
  const figures =
    values.phase === 'reference' ? await reference(values.file!) : await pipeline(values.file!, values.out!);
  process.stdout.write(JSON.stringify(figures));
} else {
  const megabytes = Number(values.mb);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'branchyard-bench-logs-'));
  try {
    const big = path.join(dir, 'big.log');
    const small = path.join(dir, 'small.log');
    await generate(big, megabytes);
    await generate(small, megabytes / 4);
    const size = (await stat(big)).size / 1024 / 1024;
    console.log(
      `Log ingest: ${size.toFixed(0)} MB of mixed output (requests, JSON, SQL, stack traces, keys to redact, long lines), pm2 files of 10,000 tokens, ${os.cpus().length} cores`,
    );
    const ref = await child('reference', big);
    const ours = await child('pipeline', big, await mkdtemp(path.join(dir, 'out-')));
    // Memory: V8 grows its heap lazily when it may, so both sizes run under one heap cap; a
    // pipeline whose memory grew with the data would need more and fail (or slow to a crawl).
    const HEAP_MB = 128;
    const cappedSmall = await child('pipeline', small, await mkdtemp(path.join(dir, 'out-')), HEAP_MB);
    const cappedBig = await child('pipeline', big, await mkdtemp(path.join(dir, 'out-')), HEAP_MB);
    const row = (name: string, f: Figures) =>
      console.log(
        `  ${name.padEnd(44)} ${(f.bytes / 1024 / 1024 / f.seconds).toFixed(1).padStart(6)} MB/s ${(f.tokens / f.seconds / 1000).toFixed(0).padStart(6)}k tokens/s  peak RSS ${f.peakRssMb.toFixed(0).padStart(4)} MB${f.files ? `  ${f.files} files` : ''}`,
      );
    row('reference: read + tokenise, nothing written', ref);
    row(`pipeline (${size.toFixed(0)} MB)`, ours);
    row(`pipeline (${(size / 4).toFixed(0)} MB), heap capped at ${HEAP_MB} MB`, cappedSmall);
    row(`pipeline (${size.toFixed(0)} MB), heap capped at ${HEAP_MB} MB`, cappedBig);
    console.log(`  speed vs reference            ${(ref.seconds / ours.seconds).toFixed(2)} ×   (target ≥ 0.60)`);
    console.log(
      `  peak memory, 4× the data      ${(cappedBig.peakRssMb / cappedSmall.peakRssMb).toFixed(2)} ×   (flat ≈ 1.00, same heap cap)`,
    );
    console.log(
      `  tokens in the files vs read   ${(ours.tokens / ref.tokens).toFixed(4)} ×   (redaction and escapes change a few)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
