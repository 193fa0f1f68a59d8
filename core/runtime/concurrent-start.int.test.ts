// Two starts of one branch at once (a `branchyard run` beside a gateway starting the branch it
// follows) on a real Docker engine: both resolve, with one process that never restarted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBranch } from '../build/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace } from '../git/fixtures/test-workspace.ts';
import { requestOverSocket } from '../testing/index.ts';
import type { Pm2Runtime } from './index.ts';
import { openTestRuntime } from './fixtures/test-runtime.ts';

describe('concurrent starts of one branch', () => {
  let ws: TestWorkspace;
  let runtime: Pm2Runtime;
  beforeAll(async () => {
    ws = await testWorkspace();
    runtime = await openTestRuntime(ws.paths, { memoryMb: 256, cpus: 1, pids: 128 }, 'docker');
  });
  afterAll(async () => {
    await runtime?.remove('users');
    await ws?.dispose();
  });

  it('joins a second start to the first: both resolve, one process, no restart', async () => {
    const built = await buildBranch(ws.codebase, 1);
    expect(built.ok).toBe(true);
    const [a, b] = await Promise.all([
      runtime.start('users', 1, built.server!),
      runtime.start('users', 1, built.server!),
    ]);
    expect(a).toMatchObject({ branch: 1, status: 'online' });
    expect(b.pid).toBe(a.pid);
    const processes = await runtime.list('users');
    expect(processes.map((p) => [p.branch, p.status, p.pid, p.restarts])).toEqual([[1, 'online', a.pid, 0]]);
    expect((await requestOverSocket(runtime.socketPath('users', 1), { path: '/health' })).status).toBe(200);
  });

  it('runs a start with other settings after the one under way, never between its steps', async () => {
    const built = await buildBranch(ws.codebase, 1);
    const first = runtime.start('users', 1, built.server!);
    const second = runtime.start('users', 1, built.server!, { EXTRA: 'yes' });
    const stop = runtime.stop('users', 1);
    const third = runtime.start('users', 1, built.server!);
    const [one, two, , three] = await Promise.all([first, second, stop, third]);
    expect(new Set([one.pid, two.pid, three.pid]).size).toBe(3);
    const processes = await runtime.list('users');
    expect(processes.map((p) => [p.branch, p.status, p.pid, p.restarts])).toEqual([[1, 'online', three.pid, 0]]);
  });
});
