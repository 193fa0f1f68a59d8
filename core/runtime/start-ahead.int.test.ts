// A branch's process started ahead of its build (issue 21: committed → first 200): PM2 starts it
// while the build still checks, it answers only once the build's folder is in place, and a build
// that fails, or modules that throw while loading, leave no process and no entry. A process left
// waiting by an engine that stopped mid-build is not taken for a running branch. Real Docker and
// this machine's PM2.
import { access, cp, link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBranch, runtimePreloader } from '../build/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import { requestOverSocket } from '../testing/index.ts';
import { BranchLoadError, Pm2Runtime } from './index.ts';
import { openTestRuntime } from './fixtures/test-runtime.ts';

const LIMITS = { memoryMb: 512, cpus: 1, pids: 256 };

/** A promise and the calls that settle it. */
function pending(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe.each(['docker', 'host'] as const)('a start ahead of its build on the %s runtime', (backend) => {
  let ws: TestWorkspace;
  let runtime: Pm2Runtime;
  /** Branch 00001's finished build: copied aside to stand for a build that is not in place yet. */
  let built: string;
  let preload: string;
  beforeAll(async () => {
    ws = await testWorkspace();
    runtime = await openTestRuntime(ws.paths, LIMITS, backend);
    const result = await buildBranch(ws.codebase, 1);
    expect(result.ok).toBe(true);
    built = path.dirname(result.server!);
    preload = await runtimePreloader();
  });
  afterAll(async () => {
    await runtime?.remove('users');
    await ws?.dispose();
  });

  /** A copy of the build in a staging folder, and the folder it is to be renamed to. */
  async function aside(name: string, change?: (staging: string) => Promise<void>) {
    const final = path.join(path.dirname(built), name);
    const staging = `${final}.staging`;
    await cp(built, staging, { recursive: true });
    // As a build places it: the runtime a hard link to the store's, which the launcher preloads.
    for (const file of ['runtime.cjs', 'runtime.cjs.v8cache']) {
      await rm(path.join(staging, file));
      await link(path.join(built, file), path.join(staging, file));
    }
    await change?.(staging);
    return { final, server: path.join(final, 'server.mjs'), place: () => rename(staging, final) };
  }

  const entryFile = (branch: number) =>
    path.join(runtime.folders('users').apps, `users-${String(branch).padStart(5, '0')}.json`);
  const processOf = async (branch: number) => (await runtime.list('users')).find((p) => p.branch === branch);

  it('starts the process at once and has it answer only once the build is in place; another engine does not take it for a running branch until then', async () => {
    const build = await aside('ahead-2');
    const placed = pending();
    const starting = runtime.start('users', 2, build.server, {}, { placed: placed.promise, preload });
    // PM2 has the process (Node starts, the launcher waits), but nothing listens and no entry says it runs.
    const log = path.join(runtime.folders('users').logs, 'users-00002.out.log');
    await until('the launcher waiting for its build', async () =>
      (await readFile(log, 'utf8').catch(() => '')).includes('[branch] waiting for the build to pass its checks'),
    );
    expect(await processOf(2)).toMatchObject({ status: 'waking' });
    expect(await exists(runtime.socketPath('users', 2))).toBe(false);
    expect(await exists(entryFile(2))).toBe(false);
    const other = await Pm2Runtime.open({ workspace: ws.paths, limits: LIMITS, backend });
    try {
      expect((await other.list('users')).find((p) => p.branch === 2)?.status).toBe('stopped');

      await build.place();
      placed.resolve();
      expect(await starting).toMatchObject({ branch: 2, status: 'online', restarts: 0 });
      expect((await requestOverSocket(runtime.socketPath('users', 2), { path: '/notes/list-notes' })).status).toBe(200);
      // The entry a wake starts from: the branch as any start runs it, not ahead of a build.
      const entry = JSON.parse(await readFile(entryFile(2), 'utf8')) as { env: Record<string, string> };
      expect(entry.env).toMatchObject({ BRANCHYARD_BRANCH: '2' });
      expect(
        Object.keys(entry.env).filter((name) => name === 'BRANCHYARD_AHEAD' || name === 'BRANCHYARD_PRELOAD'),
      ).toEqual([]);
      expect((await other.list('users')).find((p) => p.branch === 2)?.status).toBe('online');
    } finally {
      await other.close();
    }
    // The server used the runtime the launcher compiled while it waited, not a second compile.
    expect(await readFile(log, 'utf8')).toContain('(runtime: code cache, preloaded)');
    await runtime.stop('users', 2);
  });

  it('removes the process, and writes no entry, when the build fails before it is in place', async () => {
    const build = await aside('ahead-3');
    const placed = pending();
    const starting = runtime.start('users', 3, build.server, {}, { placed: placed.promise, preload });
    await until('PM2 starting the process', async () => (await processOf(3))?.pid != null);
    placed.reject(new Error('the type-check found 2 diagnostics'));
    await expect(starting).rejects.toThrow('the type-check found 2 diagnostics');
    expect(await processOf(3)).toBeUndefined();
    expect(await exists(entryFile(3))).toBe(false);
  });

  it('fails at the first exit when the modules throw while loading, with what they threw, and leaves nothing', async () => {
    const build = await aside('ahead-4', (staging) =>
      writeFile(path.join(staging, 'server.mjs'), "throw new TypeError('no config at load');\n"),
    );
    const placed = pending();
    const starting = runtime.start('users', 4, build.server, {}, { placed: placed.promise, preload });
    await build.place();
    placed.resolve();
    const error = await starting.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BranchLoadError);
    expect((error as BranchLoadError).reason).toBe('TypeError: no config at load');
    expect((error as Error).message).toContain('branch 00004 of users stopped while loading its modules');
    expect(await processOf(4)).toBeUndefined();
    expect(await exists(entryFile(4))).toBe(false);
  });
});
