// `branchyard run|stop` as a user runs them: refused with advice when no engine runs, served by
// the running `branchyard serve` otherwise, and nothing left running after serve exits.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import { Pm2Runtime } from '../runtime/index.ts';
import { startServe } from '../serve/index.ts';
import type { ServeHandle } from '../serve/index.ts';
import { expectOk, requestOverSocket, runBranchyard, tempDir } from '../testing/index.ts';
import { workspacePaths } from '../workspace/index.ts';

async function get(socketPath: string, url: string): Promise<number> {
  return (await requestOverSocket(socketPath, { path: url })).status;
}

describe('branchyard run / stop', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ws: string;
  let serve: ServeHandle | undefined;
  const cli = (args: string[]) => runBranchyard(args, { cwd: ws, env: { BRANCHYARD_DATABASE_URL: '' } });
  beforeAll(async () => {
    tmp = await tempDir();
    ws = path.join(tmp.path, 'ws');
    expectOk(await runBranchyard(['init', ws]));
    expectOk(await cli(['codebase', 'add', 'users']));
  });
  afterAll(async () => {
    await serve?.dispose();
    await tmp.dispose();
  });

  it('says to start serve when no engine runs', async () => {
    const result = await cli(['run', 'users', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('running branches needs the live engine: start it with `branchyard serve`');
  });

  it('runs and stops a branch through serve, refuses one that does not build, and leaves nothing running after serve exits', async () => {
    serve = await startServe({
      workspaceRoot: ws,
      events: createEventBus(),
      env: { BRANCHYARD_RUNTIME: 'docker' },
      port: 0,
      autostart: false,
    });
    const started = await cli(['run', 'users', '1', '--json']);
    expect(started.stderr).toBe('');
    const running = JSON.parse(started.stdout) as {
      status: string;
      socket: string;
      isolated: boolean;
      routes: unknown[];
    };
    expect(running).toMatchObject({
      status: 'online',
      isolated: true,
      routes: expect.arrayContaining([{ procedure: 'notes.listNotes', method: 'GET', path: '/notes/list-notes' }]),
    });
    expect(await get(running.socket, '/notes/list-notes')).toBe(200);

    const dir = path.join(tmp.path, 'broken');
    await mkdir(path.join(dir, 'src', 'features', 'notes', 'controllers'), { recursive: true });
    await writeFile(
      path.join(dir, 'src', 'features', 'notes', 'controllers', 'broken.ts'),
      "export function getBroken(): number {\n  return 'x';\n}\n",
    );
    expectOk(await cli(['branch', 'new', 'users', '--dir', dir]));
    const refused = await cli(['run', 'users', '2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('branch 00002 of users does not build, so it was not started');

    // The build's outcome is in the branch records, and the list shows the live processes.
    const shown = JSON.parse((await cli(['branch', 'show', 'users', '1', '--json'])).stdout) as {
      info: { status: string; checks: Record<string, { status: string }> };
    };
    expect(shown.info).toMatchObject({
      status: 'built',
      checks: { typecheck: { status: 'passed' }, build: { status: 'passed' }, tests: { status: 'pending' } },
    });
    const broken = JSON.parse((await cli(['branch', 'show', 'users', '2', '--json'])).stdout) as {
      info: { status: string; checks: Record<string, { status: string }> };
    };
    expect(broken.info).toMatchObject({
      status: 'build-failed',
      checks: { typecheck: { status: 'failed' }, build: { status: 'skipped' } },
    });
    const listed = JSON.parse((await cli(['branch', 'list', 'users', '--json'])).stdout) as {
      runtime: { isolated: boolean };
      branches: Array<{ number: number; process: { status: string } | null }>;
    };
    expect(listed.runtime).toEqual({ kind: 'docker', isolated: true });
    expect(listed.branches.map((b) => [b.number, b.process?.status ?? null])).toEqual([
      [1, 'online'],
      [2, null],
    ]);
    expect((await cli(['branch', 'list', 'users'])).stdout).toMatch(/00001\s+-\s+built\s+live/);

    const stopped = await cli(['stop', 'users', '1']);
    expect(stopped.stdout).toBe('Stopped branch 00001 of users.\n');
    await expect(get(running.socket, '/health')).rejects.toThrow();

    expect((await cli(['run', 'users', '1'])).stdout).toContain('Branch 00001 of users is online');
    const runtime = await Pm2Runtime.open({
      workspace: workspacePaths(ws),
      limits: { memoryMb: 256, cpus: 1, pids: 64 },
      backend: 'docker',
    });
    expect(await runtime.codebases()).toEqual(['users']);
    await serve.dispose();
    serve = undefined;
    expect(await runtime.codebases()).toEqual([]);
  });
});
