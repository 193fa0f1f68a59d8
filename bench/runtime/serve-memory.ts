// The memory of `branchyard serve` on a fresh workspace, read from /proc (Linux): its peak (VmHWM)
// until it serves, and its RSS once it has sat idle, for its first start (which creates the
// engine state) and a restart; beside `node -e` idle and a bare Node.js HTTP server, measured
// the same way in the same run.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { initWorkspace } from '../../core/workspace/index.ts';

const BIN = fileURLToPath(new URL('../../bin/branchyard.js', import.meta.url));

export interface Rss {
  peak: number;
  idle: number;
}

async function status(pid: number): Promise<{ rss: number; hwm: number }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Runs a process until `ready` says so from its stdout, lets it idle, reads its memory, stops it. */
async function measure(args: string[], ready: (stdout: string) => boolean, idleMs: number): Promise<Rss> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 300_000;
  while (!ready(stdout)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`${args.join(' ')} did not get ready: ${stdout}${stderr}`);
    await sleep(50);
  }
  const peak = (await status(child.pid!)).hwm;
  await sleep(idleMs);
  const { rss: idle, hwm } = await status(child.pid!);
  child.kill('SIGINT');
  await exited;
  return { peak: Math.max(peak, hwm), idle };
}

export async function serveMemory(
  tmp: string,
  idleMs = 10_000,
): Promise<{ nodeIdle: Rss; bareHttp: Rss; firstStart: Rss; restart: Rss }> {
  const root = path.join(tmp, 'serve-ws');
  await initWorkspace({ dir: root });
  const serve = ['--import', 'tsx', BIN, '--workspace', root, 'serve', '--port', '0', '--no-autostart', '--json'];
  const served = (out: string) => out.includes('"loginUrl"');
  const listening = (out: string) => out.includes('listening');
  return {
    nodeIdle: await measure(['-e', "console.log('listening'); setInterval(() => {}, 1 << 30)"], listening, idleMs),
    bareHttp: await measure(
      [
        '-e',
        "require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', () => console.log('listening'))",
      ],
      listening,
      idleMs,
    ),
    firstStart: await measure(serve, served, idleMs),
    restart: await measure(serve, served, idleMs),
  };
}
