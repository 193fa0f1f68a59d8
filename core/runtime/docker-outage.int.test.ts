// The Docker engine going away in the middle of work: the runtime says so plainly, does not
// hang, and leaves no branch half-started for when the engine is back.
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBranch } from '../build/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import { connectDocker, dockerSocket, Pm2Runtime } from './index.ts';

/** A unix-socket proxy in front of the Docker engine that the test can cut and restore. */
function dockerProxy(socketPath: string) {
  let server: net.Server | undefined;
  const connections = new Set<net.Socket>();
  return {
    up: () =>
      new Promise<void>((resolve, reject) => {
        if (server?.listening) return resolve();
        server = net.createServer((client) => {
          const upstream = net.connect(dockerSocket());
          connections.add(client).add(upstream);
          client.pipe(upstream).pipe(client);
          const drop = () => (client.destroy(), upstream.destroy());
          client.on('error', drop);
          upstream.on('error', drop);
        });
        server.once('error', reject);
        server.listen(socketPath, resolve);
      }),
    down: () =>
      new Promise<void>((resolve) => {
        if (!server?.listening) return resolve();
        for (const c of connections) c.destroy();
        connections.clear();
        server?.close(() => resolve());
      }),
  };
}

describe('the Docker engine stopping mid-way', () => {
  let ws: TestWorkspace;
  let proxy: ReturnType<typeof dockerProxy>;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    ws = await testWorkspace();
    const socket = path.join(ws.root, '..', 'docker-proxy.sock');
    proxy = dockerProxy(socket);
    await proxy.up();
    env = { DOCKER_HOST: `unix://${socket}` };
  });
  afterAll(async () => {
    await proxy.up().catch(() => undefined);
    const cleanup = await Pm2Runtime.open({
      workspace: ws.paths,
      limits: { memoryMb: 256, cpus: 1, pids: 64 },
      env,
      backend: 'docker',
    });
    await cleanup.removeAll();
    await proxy.down();
    await ws.dispose();
  });

  it('fails a start with a clear error and no hang, and nothing of that branch runs when the engine is back', async () => {
    const runtime = await Pm2Runtime.open({
      workspace: ws.paths,
      limits: { memoryMb: 256, cpus: 1, pids: 64 },
      env,
      backend: 'docker',
    });
    const built = await buildBranch(ws.codebase, 1);
    await runtime.prepare('users');
    await proxy.down();

    const started = Date.now();
    await expect(runtime.start('users', 1, built.server!)).rejects.toMatchObject({
      kind: 'RuntimeUnavailableError',
      message: expect.stringContaining('stopped answering'),
    });
    expect(Date.now() - started).toBeLessThan(15_000);

    await proxy.up();
    expect(await runtime.list('users')).toEqual([]);
    // And once it is back, the same start works.
    expect(await runtime.start('users', 1, built.server!)).toMatchObject({ branch: 1, status: 'online' });
  });

  it('fails a wake with a clear error and no hang when Docker stops during it, and wakes once it is back', async () => {
    const runtime = await Pm2Runtime.open({
      workspace: ws.paths,
      limits: { memoryMb: 256, cpus: 1, pids: 64 },
      env,
      backend: 'docker',
    });
    const built = await buildBranch(ws.codebase, 1);
    await runtime.start('users', 1, built.server!);
    await runtime.sleep('users', 1);
    expect((await runtime.list('users')).map((p) => p.status)).toEqual(['sleeping']);

    const started = Date.now();
    // Its outcome is taken at once: the wake may fail while the test is still stopping Docker.
    const waking = runtime.resume('users', 1).then(
      () => undefined,
      (error: Error) => error,
    );
    // Docker stops: its API goes away and the container with it (no live-restore).
    await new Promise((resolve) => setTimeout(resolve, 50));
    await proxy.down();
    const docker = await connectDocker();
    const [container] = await docker.listContainers({
      filters: { label: [`dev.branchyard.workspace=${ws.paths.root}`] },
    });
    await docker.getContainer(container!.Id).kill();
    expect(await waking).toMatchObject({ message: expect.stringMatching(/went away|stopped answering|Docker engine/) });
    expect(Date.now() - started).toBeLessThan(20_000);

    await proxy.up();
    expect(await runtime.resume('users', 1)).toMatchObject({ branch: 1, status: 'online' });
  }, 120_000);

  it('refuses to open at all while the engine is down, naming the socket', async () => {
    await proxy.down();
    await expect(
      Pm2Runtime.open({ workspace: ws.paths, limits: { memoryMb: 256, cpus: 1, pids: 64 }, env, backend: 'docker' }),
    ).rejects.toMatchObject({
      kind: 'RuntimeUnavailableError',
      message: expect.stringContaining('docker-proxy.sock'),
    });
    await proxy.up();
  });
});
