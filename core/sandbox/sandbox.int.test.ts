// The sandbox on a real Docker engine: no network at all, memory, process and time limits
// enforced by the kernel, a copy of the tree (the original untouched), never root; and the
// fallback child process with the same time and memory limits, saying it has no isolation.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import type { Sandbox } from './index.ts';
import { openSandbox } from './index.ts';

const LIMITS = { memoryMb: 256, cpus: 1, pids: 64 };

describe('the sandbox', () => {
  let tree: { path: string; dispose: () => Promise<void> };
  let docker: Sandbox;
  beforeAll(async () => {
    tree = await tempDir();
    await mkdir(path.join(tree.path, 'src'), { recursive: true });
    await writeFile(path.join(tree.path, 'src', 'note.txt'), 'original\n');
    docker = await openSandbox({ limits: LIMITS, backend: 'docker' }).catch((error: Error) => {
      throw new Error(
        `these tests need a running Docker engine (./scripts/test.sh starts one as root): ${error.message}`,
      );
    });
  });
  afterAll(() => tree?.dispose());

  const node = (script: string, timeoutMs = 20_000) =>
    docker.run({ from: tree.path, timeoutMs, command: (l) => [l.node, '-e', script] });

  it('runs over a copy of the tree, as a user other than root, with the engine packages read-only', async () => {
    const result = await node(
      "const fs = require('fs'); fs.writeFileSync('src/note.txt', 'changed'); console.log(JSON.stringify({ read: fs.readFileSync('src/note.txt', 'utf8'), uid: process.getuid(), cwd: process.cwd(), zod: fs.existsSync('/engine/node_modules/zod/package.json') })); try { fs.writeFileSync('/engine/node_modules/x', '1'); console.log('wrote engine'); } catch (e) { console.log('engine read-only: ' + e.code); }",
    );
    expect(result.isolation).toBe('container');
    expect(result.exitCode).toBe(0);
    const [facts, engine] = result.stdout.trim().split('\n');
    expect(JSON.parse(facts!)).toMatchObject({ read: 'changed', cwd: '/work', zod: true });
    expect(JSON.parse(facts!).uid).not.toBe(0);
    expect(engine).toBe('engine read-only: EROFS');
    expect(await readFile(path.join(tree.path, 'src', 'note.txt'), 'utf8')).toBe('original\n');
  });

  it('has no network: only the loopback interface, and the host cannot be reached', async () => {
    const result = await node(
      "const os = require('os'); const net = require('net'); const names = Object.keys(os.networkInterfaces()); const s = net.connect({ host: '8.8.8.8', port: 53 }); s.setTimeout(3000); s.on('connect', () => { console.log(JSON.stringify({ names, connect: 'connected' })); process.exit(0); }); s.on('error', (e) => { console.log(JSON.stringify({ names, connect: e.code })); process.exit(0); }); s.on('timeout', () => { console.log(JSON.stringify({ names, connect: 'timeout' })); process.exit(0); });",
    );
    const seen = JSON.parse(result.stdout.trim()) as { names: string[]; connect: string };
    expect(seen.names).toEqual(['lo']);
    expect(seen.connect).toBe('ENETUNREACH');
  });

  it('kills a command that passes its memory limit and says so', async () => {
    const result = await node('const keep = []; for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1));');
    expect(result.outOfMemory).toBe(true);
    expect(result.exitCode).not.toBe(0);
  });

  it('bounds the number of processes', async () => {
    const result = await node(
      "const { spawn } = require('child_process'); let made = 0, failed = 0; for (let i = 0; i < 200; i++) { try { const c = spawn('/usr/local/bin/node', ['-e', 'setTimeout(() => {}, 5000)']); c.on('error', () => failed++); made++; } catch { failed++; } } setTimeout(() => { console.log(JSON.stringify({ made, failed })); process.exit(0); }, 2000);",
    );
    const counts = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { made: number; failed: number };
    expect(counts.failed).toBeGreaterThan(0);
  });

  it('stops a command at its wall-clock limit', async () => {
    const result = await node('setInterval(() => {}, 1000);', 1500);
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.durationMs).toBeLessThan(15_000);
  });

  it('without Docker, runs a child process with the same time and memory limits and says it has no isolation', async () => {
    const local = await openSandbox({ limits: LIMITS, backend: 'process' });
    expect(local.isolation).toBe('none');
    const slow = await local.run({
      from: tree.path,
      timeoutMs: 1000,
      command: (l) => [l.node, '-e', 'setInterval(() => {}, 1000)'],
    });
    expect(slow).toMatchObject({ timedOut: true, exitCode: null, isolation: 'none' });
    const hungry = await local.run({
      from: tree.path,
      timeoutMs: 60_000,
      command: (l) => [l.node, '-e', 'const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random()));'],
    });
    expect(hungry.outOfMemory).toBe(true);
    process.env.BRANCHYARD_AI_KEY = 'sk-never-in-a-sandbox';
    const key = await local.run({
      from: tree.path,
      timeoutMs: 10_000,
      env: {},
      command: (l) => [l.node, '-e', 'console.log(Object.keys(process.env).join(","))'],
    });
    delete process.env.BRANCHYARD_AI_KEY;
    expect(key.stdout).not.toContain('BRANCHYARD_AI_KEY');
    expect(key.stdout).toContain('PATH');
  });
});
