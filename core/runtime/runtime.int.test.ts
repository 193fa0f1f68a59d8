// One contract for both runtimes, on a real Docker engine and on this machine's PM2: two
// branches of one codebase served at once, each stopped on its own, adopted by a new engine,
// crashes restarted and crash loops reported.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBranch } from '../build/index.ts';
import { createBranch } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import { requestOverSocket } from '../testing/index.ts';
import { connectDocker, Pm2Runtime } from './index.ts';
import { openTestRuntime } from './fixtures/test-runtime.ts';

function get(socketPath: string, url: string): Promise<{ status: number; body: string }> {
  return requestOverSocket(socketPath, { path: url });
}

const LIMITS = { memoryMb: 512, cpus: 1, pids: 256 };

describe.each(['docker', 'host'] as const)('the %s runtime', (backend) => {
  let ws: TestWorkspace;
  let runtime: Pm2Runtime;
  beforeAll(async () => {
    ws = await testWorkspace();
    runtime = await openTestRuntime(ws.paths, LIMITS, backend);
    expect(runtime.isolated).toBe(backend === 'docker');
  });
  afterAll(async () => {
    await runtime?.remove('users');
    await ws?.dispose();
  });

  it('serves 00001 and a hand-made 00002 at once from one PM2, and stops one without the other', async () => {
    const second = await createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      changes: text({
        'src/features/hello/controllers/hello.ts':
          "export function getHello(): { hello: string } {\n  return { hello: 'from 00002' };\n}\n",
      }),
      author: 'user',
      message: 'Hello',
    });
    const [b1, b2] = await Promise.all([buildBranch(ws.codebase, 1), buildBranch(ws.codebase, second.info.number)]);
    expect(b1.ok && b2.ok).toBe(true);

    await runtime.start('users', 1, b1.server!);
    const firstPid = (await runtime.list('users'))[0]!.pid;
    await runtime.start('users', 2, b2.server!);
    // Starting and then reloading 00002 leaves 00001's process as it was.
    await runtime.start('users', 2, b2.server!);
    expect((await runtime.list('users')).find((p) => p.branch === 1)?.pid).toBe(firstPid);
    expect((await get(runtime.socketPath('users', 1), '/notes/list-notes')).status).toBe(200);
    expect(JSON.parse((await get(runtime.socketPath('users', 2), '/hello/get-hello')).body)).toEqual({
      hello: 'from 00002',
    });
    expect((await get(runtime.socketPath('users', 1), '/hello/get-hello')).status).toBe(404);
    const processes = await runtime.list('users');
    expect(processes.map((p) => [p.branch, p.status])).toEqual([
      [1, 'online'],
      [2, 'online'],
    ]);
    expect(await runtime.codebases()).toEqual(['users']);
    if (backend === 'docker') {
      // One container for the codebase, with no network, the limits of servers/config.json, a
      // read-only root, and not root.
      const docker = await connectDocker();
      const [summary, ...others] = await docker.listContainers({
        filters: { label: [`dev.branchyard.workspace=${ws.paths.root}`] },
      });
      expect(others).toEqual([]);
      const info = await docker.getContainer(summary!.Id).inspect();
      expect(info.HostConfig).toMatchObject({
        NetworkMode: 'none',
        Memory: LIMITS.memoryMb * 1024 * 1024,
        NanoCpus: LIMITS.cpus * 1e9,
        PidsLimit: LIMITS.pids,
        ReadonlyRootfs: true,
      });
      expect(info.Config.User).not.toMatch(/^(0|root)(:|$)/);
      expect(info.Config.User).not.toBe('');
    }

    await runtime.stop('users', 2);
    expect((await runtime.list('users')).map((p) => p.branch)).toEqual([1]);
    expect((await get(runtime.socketPath('users', 1), '/health')).status).toBe(200);
    await expect(get(runtime.socketPath('users', 2), '/health')).rejects.toThrow();

    // A new engine adopts the running PM2 and its branch instead of starting another.
    const again = await Pm2Runtime.open({ workspace: ws.paths, limits: LIMITS, backend });
    const pid = (await runtime.list('users'))[0]!.pid;
    await again.prepare('users');
    expect(await again.codebases()).toEqual(['users']);
    expect((await again.list('users')).map((p) => [p.branch, p.status, p.pid])).toEqual([[1, 'online', pid]]);
    // A process whose branch no longer exists is stopped on adoption.
    expect(await again.stopOrphans('users', (n) => n !== 1)).toEqual([1]);
    expect(await again.list('users')).toEqual([]);
    await again.start('users', 1, b1.server!);
  });

  it('restarts a branch whose handler exits the process, and marks one that crashes in a loop as failed with its last lines', async () => {
    const exiting = await createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      parent: 1,
      changes: text({
        'src/features/ops/controllers/ops.ts': 'export function quit(): { ok: boolean } {\n  process.exit(3);\n}\n',
      }),
      author: 'user',
      message: 'Quit',
    });
    const built = await buildBranch(ws.codebase, exiting.info.number);
    await runtime.start('users', exiting.info.number, built.server!);
    const socket = runtime.socketPath('users', exiting.info.number);
    await expect(
      new Promise((resolve, reject) => {
        const request = http.request(
          {
            socketPath: socket,
            method: 'POST',
            path: '/ops/quit',
            headers: { 'content-type': 'application/json' },
            timeout: 10_000,
          },
          resolve,
        );
        request.on('error', reject);
        request.end();
      }),
    ).rejects.toThrow();
    await expect
      .poll(async () => (await runtime.list('users')).find((p) => p.branch === exiting.info.number)?.restarts, {
        timeout: 20_000,
      })
      .toBeGreaterThanOrEqual(1);
    await expect
      .poll(
        async () =>
          get(socket, '/health').then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 20_000 },
      )
      .toBe(200);

    const crashing = await createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      parent: 1,
      // Crashes only where it runs (say, a setting it needs is missing there), so it builds.
      changes: text({
        'src/features/boom/controllers/boom.ts':
          "if (process.env.BRANCHYARD_SOCKET) throw new Error('boom at start');\nexport function getBoom(): { ok: boolean } {\n  return { ok: true };\n}\n",
      }),
      author: 'user',
      message: 'Boom',
    });
    const boom = await buildBranch(ws.codebase, crashing.info.number);
    expect(boom.ok).toBe(true);
    await expect(runtime.start('users', crashing.info.number, boom.server!)).rejects.toMatchObject({
      kind: 'RuntimeError',
      message: expect.stringMatching(
        /crashed \d+ times in a row and was stopped; its last log lines:\n[\s\S]*boom at start/,
      ),
    });
    // The other branches never noticed.
    expect((await get(runtime.socketPath('users', 1), '/health')).status).toBe(200);
  });
});
