// Logs end to end: a branch running in Docker prints (text, binary, a 10 MB line, the LLM key)
// and is called through the development gateway over HTTPS; its output and its requests
// appear as token-sized files in the logs repository whose names match their recounted
// tokens, and `branchyard logs` lists, reads, tails and searches them. A full disk (a tiny
// tmpfs) is reported and the branch keeps answering.
import { execFile, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import type { CliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { cliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { createBranch, openCodebase } from '../git/index.ts';
import { text } from '../git/fixtures/test-workspace.ts';
import { startServe } from '../serve/index.ts';
import type { ServeHandle } from '../serve/index.ts';
import { countTokens } from '../tokens/index.ts';
import { loadWorkspace } from '../workspace/index.ts';
import { compareLogNames, parseLogName } from './file-names.ts';

const exec = promisify(execFile);
const KEY = 'sk-test-logs-key-0123456789abcdef';
const controller = `export function postLine(input: { text: string }): { ok: boolean } {
  console.log(input.text);
  return { ok: true };
}

export function postFailure(input: { text: string }): { ok: boolean } {
  console.error(input.text);
  return { ok: true };
}

export function postBinary(): { ok: boolean } {
  process.stdout.write(Buffer.from([0x41, 0xff, 0xfe, 0x1b, 0x42, 0x0a]));
  return { ok: true };
}

export function postHuge(input: { repeat: number }): { ok: boolean } {
  process.stdout.write('lorem ipsum dolor sit amet '.repeat(input.repeat) + '\\n');
  return { ok: true };
}
`;

describe('token-sized logs of a running branch', () => {
  let fixture: CliWorkspace;
  let ws: string;
  let serve: ServeHandle;
  let logsRoot: string;
  const events = createEventBus();
  const errors: string[] = [];
  const cli = (args: string[]) => fixture.cli(args, { timeoutMs: 120_000 });
  const call = (route: string, body: unknown = {}) =>
    fixture.get('development', `/logging/${route}`, {
      extra: ['-X', 'POST', '-H', 'content-type: application/json', '--data-binary', JSON.stringify(body)],
    });
  const folder = (type: string) => path.join(logsRoot, 'codebases', 'users', 'branches', '00002', type);
  /** PM2 writes a moment after the request is answered: read until `done` says it is all there. */
  async function settled(type: string, done: (text: string) => boolean) {
    for (let i = 0; ; i++) {
      await serve.logs.flush();
      const files = await filesOf(type);
      if (done(files.map((f) => f.text).join('')) || i === 100) return files;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  async function filesOf(type: string) {
    const names = (await readdir(folder(type)).catch(() => [] as string[]))
      .map(parseLogName)
      .filter((n) => n !== undefined)
      .sort(compareLogNames);
    return Promise.all(
      names.map(async (n) => ({ ...n, text: await readFile(path.join(folder(type), n.name), 'utf8') })),
    );
  }

  beforeAll(async () => {
    fixture = await cliWorkspace();
    ws = fixture.ws;
    // Small files, so a test's worth of traffic fills several.
    await writeFile(
      path.join(ws, 'codebases', 'users', 'codebase.json'),
      JSON.stringify({ domains: [], logs: { tokens: { pm2: 20_000, 'api-gateway': 1000 } } }),
    );
    const workspace = await loadWorkspace(ws);
    logsRoot = path.resolve(ws, workspace.manifest.logsRepository);
    await createBranch({
      codebase: await openCodebase(workspace.paths, 'users'),
      logsRepository: workspace.manifest.logsRepository,
      changes: text({ 'src/features/logging/controllers/logging.ts': controller }),
      author: 'user',
      message: 'Logging routes',
    });
    serve = await startServe({
      workspaceRoot: ws,
      events,
      env: { BRANCHYARD_RUNTIME: 'docker', BRANCHYARD_AI_KEY: KEY },
      port: 0,
    });
    events.on('logs.error', (e) => errors.push(`${e.where}: ${e.message}`));
    const ran = await cli(['run', 'users', '2']);
    expect(ran.code, ran.stderr).toBe(0);
    // The development gateway follows the newest branch.
    for (let i = 0; i < 100 && (await call('post-line', { text: 'ready?' })).status !== 200; i++)
      await new Promise((r) => setTimeout(r, 200));
  }, 240_000);

  afterAll(async () => {
    await serve?.dispose();
    await fixture?.dispose();
  });

  it("writes the branch's output and its requests as files named after their real token counts", async () => {
    for (let i = 0; i < 60; i++)
      expect((await call('post-line', { text: `request number ${i} handled for customer ${i * 7}` })).status).toBe(200);
    await call('post-failure', { text: 'something went wrong: ECONNREFUSED' });
    await call('post-line', { text: `the key is ${KEY}` });
    await call('post-binary');
    await settled('pm2', (t) => /A\S*\\x1bB/.test(t));

    const gateway = await filesOf('api-gateway');
    expect(gateway.filter((f) => !f.open).length).toBeGreaterThanOrEqual(2);
    for (const file of gateway) {
      const tokens = countTokens(file.text);
      expect(tokens).toBeLessThanOrEqual(1000);
      if (!file.open) expect(file.thousands).toBe(Math.round(tokens / 1000));
    }
    const requests = gateway.map((f) => f.text).join('');
    expect(
      requests.match(/development POST \/logging\/post-line 200 [\d.]+ms \d+B 127\.0\.0\.1 proxied/g)!.length,
    ).toBeGreaterThanOrEqual(61);

    const output = (await filesOf('pm2')).map((f) => f.text).join('');
    expect(output).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \[out\] request number 59 handled for customer 413$/m);
    expect(output).toMatch(/\[err\] something went wrong: ECONNREFUSED$/m);
    // PM2 turns the invalid bytes into U+FFFD before we see them; the control character is ours to escape.
    expect(output).toMatch(/A(\\xff\\xfe|\uFFFD\uFFFD)\\x1bB/);
    expect(output).not.toContain(KEY);
    expect(output).toContain('the key is [redacted]');

    // The logs repository commits them (batched, not per line).
    await serve.logs.repository.commit();
    const { stdout } = await exec('git', ['-C', logsRoot, 'log', '--name-only', '--format=%s']);
    expect(stdout).toContain('codebases/users/branches/00002/api-gateway/');
    // Files renamed when they were closed left the index: every tracked file exists.
    const tracked = (await exec('git', ['-C', logsRoot, 'ls-files'])).stdout.split('\n').filter(Boolean);
    expect(tracked.filter((f) => /\/\d+k-\d{8}-\d{6}(-\d+)?\.log$/.test(f)).length).toBeGreaterThanOrEqual(2);
    for (const file of tracked)
      expect(
        await stat(path.join(logsRoot, file)).then(
          () => true,
          () => false,
        ),
        file,
      ).toBe(true);
    const commits = (await exec('git', ['-C', logsRoot, 'rev-list', '--count', 'HEAD'])).stdout.trim();
    expect(Number(commits)).toBeLessThan(20);
  });

  it('splits a 10 MB line into files, keeping all of it', async () => {
    const repeat = 390_000; // 27 bytes each: 10.5 MB
    expect((await call('post-huge', { repeat })).status).toBe(200);
    // PM2 (time: true) writes each chunk it reads as a stamped line of its own: the stamps are not part of the line.
    const count = (text: string) =>
      text
        .replace(/\n/g, '')
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \[out\] /g, '')
        .split('lorem ipsum dolor sit amet').length - 1;
    const files = await settled('pm2', (t) => count(t) >= repeat);
    for (const file of files) {
      const tokens = countTokens(file.text);
      expect(tokens).toBeLessThanOrEqual(20_000);
      if (!file.open) expect(file.thousands).toBe(Math.round(tokens / 1000));
    }
    expect(count(files.map((f) => f.text).join(''))).toBe(repeat);
  }, 120_000);

  it('lists, reads, tails and searches through `branchyard logs`, and follows lines as they come', async () => {
    const listed = await cli(['--json', 'logs', 'users', '2', '--list']);
    expect(listed.code, listed.stderr).toBe(0);
    const files = (
      JSON.parse(listed.stdout) as { files: { type: string; file: string; tokens: number; open: boolean }[] }
    ).files;
    const closed = files.find((f) => f.type === 'api-gateway' && !f.open)!;
    expect(closed.file).toMatch(/^1k-\d{8}-\d{6}(-\d+)?\.log$/);
    const chunk = await cli(['logs', 'users', '2', '--type', 'api-gateway', '--chunk', closed.file]);
    expect(chunk.stdout).toBe(await readFile(path.join(folder('api-gateway'), closed.file), 'utf8'));
    const tail = await cli(['logs', 'users', '00002', '--type', 'api-gateway', '--tail', '200']);
    expect(countTokens(tail.stdout)).toBeLessThanOrEqual(200);
    expect(countTokens(tail.stdout)).toBeGreaterThan(150);
    const search = await cli(['logs', 'users', '2', '--search', 'ECONNREFUSED']);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toMatch(/^pm2\/.+\.log:\d+: .*something went wrong: ECONNREFUSED$/m);
    expect((await cli(['logs', 'users', '2', '--chunk', '../../../branchyard.json'])).stderr).toContain(
      'is not a log file name',
    );
    expect((await cli(['logs', 'users', '2', '--type', 'syslog'])).stderr).toContain(
      'log type "syslog" is not one of pm2, ttyd, api-gateway',
    );
    expect((await cli(['logs', 'users', '9'])).code).toBe(1);

    // Terminal sessions (the Terminal part feeds this) land in the branch's ttyd logs.
    const terminal = serve.logs.terminal('users', 2);
    terminal.write('$ ls src\r\napp.ts  feat');
    terminal.write('ures\r\n');
    await serve.logs.flush();
    const ttyd = await cli(['logs', 'users', '2', '--type', 'ttyd', '--tail', '100']);
    expect(ttyd.stdout).toMatch(/^\S+Z \$ ls src\n\S+Z app\.ts {2}features\n$/);

    // `--follow` through serve: lines as they are written, until stopped.
    const follower = spawn(
      process.execPath,
      [path.resolve('bin/branchyard.js'), '--workspace', ws, 'logs', 'users', '2', '--type', 'pm2', '--follow'],
      { env: { ...process.env, BRANCHYARD_DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let followed = '';
    follower.stdout!.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    try {
      for (let i = 0; i < 100 && !followed.includes('followed by the CLI'); i++) {
        if (i % 10 === 0) await call('post-line', { text: 'followed by the CLI' });
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      follower.kill('SIGINT');
    }
    expect(followed).toMatch(/^\S+ \[out\] followed by the CLI$/m);

    const seen: string[] = [];
    const following = serve.logs.follow({ codebase: 'users', branch: 2 }, undefined, (line, type) =>
      seen.push(`${type} ${line}`),
    );
    await call('post-line', { text: 'followed live' });
    for (let i = 0; i < 50 && !seen.some((l) => l.includes('followed live')); i++)
      await new Promise((r) => setTimeout(r, 100));
    following.dispose();
    expect(seen.some((l) => l.startsWith('pm2 ') && l.endsWith('[out] followed live'))).toBe(true);
    expect(seen.some((l) => l.startsWith('api-gateway ') && l.includes('POST /logging/post-line 200'))).toBe(true);
  });

  it('reports a full disk and keeps the branch answering; writing resumes when there is room', async () => {
    if (process.getuid?.() !== 0)
      throw new Error(
        'this test mounts a tiny tmpfs to fill a disk for real: run it as root (./scripts/test.sh in CI does)',
      );
    // The gateway's own log (requests for names it does not serve), on a disk of 8 KiB.
    const dir = path.join(logsRoot, 'gateways', 'development', 'api-gateway');
    await mkdir(dir, { recursive: true });
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', dir]);
    const unknown = () => fixture.get('development', '/x', { host: 'nope' });
    try {
      for (let i = 0; i < 120; i++) expect((await unknown()).status).toBe(404);
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(errors.join('\n')).toMatch(/gateway:development:api-gateway: .*ENOSPC/);
      // The branch goes on answering, and its own logs go on being written.
      expect((await call('post-line', { text: 'while the disk is full' })).status).toBe(200);
      await serve.logs.flush();
      expect((await filesOf('pm2')).map((f) => f.text).join('')).toContain('[out] while the disk is full');
    } finally {
      await exec('umount', ['-l', dir]);
    }
    // Room again: the retry writes what waited (and says what was dropped, if anything was).
    for (let i = 0; i < 30 && (await readdir(dir)).length === 0; i++) await new Promise((r) => setTimeout(r, 200));
    await unknown();
    await serve.logs.flush();
    const names = await readdir(dir);
    expect(names.length).toBeGreaterThan(0);
    const written = (await Promise.all(names.map((n) => readFile(path.join(dir, n), 'utf8')))).join('');
    expect(written).toMatch(/development GET \/x 404 [\d.]+ms \d+B 127\.0\.0\.1 refused \(unknown host\)/);
  }, 120_000);
});
