// Branch containers belong to one workspace: two workspaces whose paths end alike
// (<tmp>/a/proj/shop and <tmp>/b/proj/shop) with a codebase of the same name each get their
// own container, and a container that carries the expected name but another workspace's label
// is refused, never adopted. Real Docker throughout.
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBranch } from '../build/index.ts';
import { addCodebase, openCodebase } from '../git/index.ts';
import { requestOverSocket, tempDir } from '../testing/index.ts';
import { initWorkspace, workspacePaths } from '../workspace/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';
import { DockerBackend } from './docker-backend.ts';
import { connectDocker, ensureBaseImage, NODE_IN_IMAGE, Pm2Runtime } from './index.ts';

const LIMITS = { memoryMb: 256, cpus: 1, pids: 128 };
const LABEL = 'dev.branchyard.workspace';

async function workspaceAt(dir: string): Promise<WorkspacePaths> {
  await initWorkspace({ dir });
  const paths = workspacePaths(dir);
  await addCodebase({ workspace: paths, logsRepository: '../shop-logs', name: 'users', role: 'Keeps user accounts.' });
  return paths;
}

describe('branch containers are per workspace', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let docker: Docker;
  const runtimes: Pm2Runtime[] = [];
  const strays: string[] = [];
  beforeAll(async () => {
    tmp = await tempDir();
    docker = await connectDocker();
  });
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.removeAll();
    for (const name of strays)
      await docker
        .getContainer(name)
        .remove({ force: true })
        .catch(() => undefined);
    await tmp?.dispose();
  });

  const open = async (paths: WorkspacePaths) => {
    const runtime = await Pm2Runtime.open({ workspace: paths, limits: LIMITS, backend: 'docker' });
    runtimes.push(runtime);
    return runtime;
  };

  it('gives <tmp>/a/proj/shop and <tmp>/b/proj/shop their own container, and running in b leaves a alone', async () => {
    const a = await workspaceAt(path.join(tmp.path, 'a', 'proj', 'shop'));
    const b = await workspaceAt(path.join(tmp.path, 'b', 'proj', 'shop'));
    const [builtA, builtB] = await Promise.all([
      buildBranch(await openCodebase(a, 'users'), 1),
      buildBranch(await openCodebase(b, 'users'), 1),
    ]);
    const [runA, runB] = [await open(a), await open(b)];

    const first = await runA.start('users', 1, builtA.server!);
    expect(first).toMatchObject({ status: 'online', restarts: 0 });
    await runB.start('users', 1, builtB.server!);
    // b's start deletes and starts users-00001 in its PM2: had it reached a's, a's pid would change.
    expect((await runA.list('users')).map((p) => [p.branch, p.status, p.pid, p.restarts])).toEqual([
      [1, 'online', first.pid, 0],
    ]);
    expect((await requestOverSocket(runA.socketPath('users', 1), { path: '/health' })).status).toBe(200);
    expect((await requestOverSocket(runB.socketPath('users', 1), { path: '/health' })).status).toBe(200);

    const [inA, inB] = await Promise.all(
      [a, b].map((ws) => docker.listContainers({ filters: { label: [`${LABEL}=${ws.root}`] } })),
    );
    expect(inA).toHaveLength(1);
    expect(inB).toHaveLength(1);
    expect(inA![0]!.Id).not.toBe(inB![0]!.Id);
    expect(inA![0]!.Names).not.toEqual(inB![0]!.Names);
    expect(inB![0]!.Labels).toMatchObject({ [LABEL]: b.root, 'dev.branchyard.codebase': 'users' });

    // Removing b's codebase takes b's container only.
    await runB.remove('users');
    expect((await runA.list('users')).map((p) => p.pid)).toEqual([first.pid]);
  });

  it("refuses a container with the expected name but another workspace's label, and leaves it running", async () => {
    const c = await workspaceAt(path.join(tmp.path, 'c', 'proj', 'shop'));
    const name = (await DockerBackend.open({ workspace: c, limits: LIMITS })).containerName('users');
    const foreign = await docker.createContainer({
      name,
      Image: await ensureBaseImage(docker),
      Cmd: [NODE_IN_IMAGE, '-e', 'setInterval(() => {}, 1 << 30)'],
      Labels: { [LABEL]: '/elsewhere/proj/shop', 'dev.branchyard.codebase': 'users' },
      HostConfig: { NetworkMode: 'none' },
    });
    strays.push(name);
    await foreign.start();

    const runtime = await open(c);
    await expect(runtime.prepare('users')).rejects.toMatchObject({
      kind: 'RuntimeError',
      message: expect.stringContaining(
        `belongs to codebase users of the workspace at /elsewhere/proj/shop, not to ${c.root}; it is left alone`,
      ),
    });
    // Not adopted: nothing listed or stopped through it, nothing removed by its name.
    expect(await runtime.list('users')).toEqual([]);
    expect(await runtime.codebases()).toEqual([]);
    await runtime.removeAll();
    expect((await foreign.inspect()).State.Running).toBe(true);
  });

  it('replaces a container this workspace got from an older version under another name', async () => {
    const d = await workspaceAt(path.join(tmp.path, 'd', 'proj', 'shop'));
    // Older versions named containers after the last 9 bytes of the path ("proj/shop").
    const legacy = `branchyard-${Buffer.from(d.root)
      .toString('base64url')
      .slice(-12)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}-users`;
    await docker
      .getContainer(legacy)
      .remove({ force: true })
      .catch(() => undefined); // left by an interrupted run
    const old = await docker.createContainer({
      name: legacy,
      Image: await ensureBaseImage(docker),
      Cmd: [NODE_IN_IMAGE, '-e', 'setInterval(() => {}, 1 << 30)'],
      Labels: { [LABEL]: d.root, 'dev.branchyard.codebase': 'users' },
      HostConfig: { NetworkMode: 'none' },
    });
    strays.push(legacy);
    await old.start();

    const runtime = await open(d);
    await runtime.prepare('users');
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${d.root}`] } });
    expect(left.map((c) => c.Names[0])).toEqual([
      `/${(await DockerBackend.open({ workspace: d, limits: LIMITS })).containerName('users')}`,
    ]);
  });
});
