// A reload of a running branch (issue 21: reload → first 200) starts the new process while the
// old one serves, and the branch's socket path passes from one to the other in one rename: no
// request fails, a request under way finishes on the old process, and the old process then exits.
// Real Docker and this machine's PM2.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBranch } from '../build/index.ts';
import { createBranch } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import type { Pm2Runtime } from './index.ts';
import { connectDocker, DockerBackend, execIn, NODE_IN_IMAGE } from './index.ts';
import { openTestRuntime } from './fixtures/test-runtime.ts';

const LIMITS = { memoryMb: 512, cpus: 1, pids: 256 };

/** One request on a new connection: its status and body, or the error it failed with. */
function ask(socketPath: string, path: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path, agent: false, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

describe.each(['docker', 'host'] as const)('a reload on the %s runtime', (backend) => {
  let ws: TestWorkspace;
  let runtime: Pm2Runtime;
  let server: string;
  beforeAll(async () => {
    ws = await testWorkspace();
    runtime = await openTestRuntime(ws.paths, LIMITS, backend);
    const made = await createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      parent: 1,
      changes: text({
        'src/features/ops/controllers/ops.ts': [
          'export function getPid(): { pid: number } {',
          '  return { pid: process.pid };',
          '}',
          '',
          'export async function getSlow(): Promise<{ pid: number }> {',
          '  await new Promise((resolve) => setTimeout(resolve, 600));',
          '  return { pid: process.pid };',
          '}',
          '',
        ].join('\n'),
      }),
      author: 'user',
      message: 'Which process answers',
    });
    const built = await buildBranch(ws.codebase, made.info.number);
    expect(built.ok, JSON.stringify(built.problems)).toBe(true);
    server = built.server!;
    await runtime.start('users', 2, server);
  });
  /** Whether a process of the branch's PM2 runs, by the id it has where it runs. */
  async function alive(pid: number): Promise<boolean> {
    const check = `try { process.kill(${pid}, 0); } catch { process.exit(1); }`;
    if (backend === 'host') return spawnSync(process.execPath, ['-e', check]).status === 0;
    const docker = await connectDocker();
    const name = (await DockerBackend.open({ workspace: ws.paths, limits: LIMITS })).containerName('users');
    return (await execIn(docker.getContainer(name), [NODE_IN_IMAGE, '-e', check])).code === 0;
  }
  afterAll(async () => {
    await runtime?.remove('users');
    await ws?.dispose();
  });

  it('answers every request throughout, finishes the one under way on the old process, and ends the old process', async () => {
    const socket = runtime.socketPath('users', 2);
    const pidOf = (answer: Awaited<ReturnType<typeof ask>>) =>
      'status' in answer && answer.status === 200 ? (JSON.parse(answer.body) as { pid: number }).pid : answer;
    const before = pidOf(await ask(socket, '/ops/get-pid'));
    expect(typeof before).toBe('number');

    // A slow request under way, and a client asking without pause, while the branch reloads.
    const slow = ask(socket, '/ops/get-slow');
    let asking = true;
    const answers: Array<Awaited<ReturnType<typeof ask>>> = [];
    const client = (async () => {
      while (asking) answers.push(await ask(socket, '/ops/get-pid'));
    })();
    const reloaded = await runtime.start('users', 2, server);
    // Requests go on a little after the new process answered, while the old one ends.
    await new Promise((resolve) => setTimeout(resolve, 300));
    asking = false;
    await client;

    expect(answers.length).toBeGreaterThan(10);
    const pids = answers.map(pidOf);
    expect(pids.filter((pid) => typeof pid !== 'number')).toEqual([]);
    const after = pids.at(-1);
    expect(after).not.toBe(before);
    // One switch, from the old process to the new one.
    expect(pids.findIndex((pid) => pid === after)).toBe(pids.lastIndexOf(before) + 1);
    expect(pidOf(await slow)).toBe(before);
    expect(reloaded).toMatchObject({ status: 'online', restarts: 0 });

    // The old process ends once its requests are done; the new one is the branch's process.
    const deadline = Date.now() + 10_000;
    while ((await alive(before as number)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await alive(before as number)).toBe(false);
    expect(await alive(after as number)).toBe(true);
  });
});
