// `run` of a branch never built (what follows every prompt), issue 21: the branch's process starts
// in its container as the build begins, and answers only once the build passed its checks and its
// folder is in place; the OpenAPI document the build records is the one the branch serves. The
// agent's modules load only in that container (no host file written, no host server called). A
// branch whose checks fail, or whose modules throw while loading, is refused with what went wrong
// and leaves no process, no entry and no unfinished build. Real git, real Docker, `serve`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../events/index.ts';
import { createEventBus } from '../events/index.ts';
import { createBranch } from '../git/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import { escapingModule } from './fixtures/escaping-module.ts';
import { runFolders } from '../runtime/index.ts';
import { startServe } from '../serve/index.ts';
import type { ServeHandle } from '../serve/index.ts';
import { requestOverSocket, runBranchyard } from '../testing/index.ts';

let ws: TestWorkspace;
let serve: ServeHandle;
let calls = 0;
let listener: http.Server;
const progress: Array<ProgressEvent & { at: number }> = [];
beforeAll(async () => {
  ws = await testWorkspace();
  listener = http.createServer((_request, response) => {
    calls += 1;
    response.end('reached');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const events = createEventBus();
  events.on('progress', (event) => progress.push({ ...event, at: performance.now() }));
  serve = await startServe({
    workspaceRoot: ws.root,
    events,
    env: { BRANCHYARD_RUNTIME: 'docker', BRANCHYARD_DATABASE_URL: '' },
    port: 0,
    autostart: false,
  });
});
afterAll(async () => {
  await serve?.dispose();
  await new Promise((resolve) => listener.close(resolve));
  await ws?.dispose();
});

async function branch(files: Record<string, string>): Promise<number> {
  const made = await createBranch({
    codebase: ws.codebase,
    logsRepository: ws.logsRepository,
    parent: 1,
    changes: text(files),
    author: 'agent',
    message: 'A change',
  });
  return made.info.number;
}

const cli = (args: string[]) =>
  runBranchyard(args, { cwd: ws.root, env: { BRANCHYARD_DATABASE_URL: '' }, timeoutMs: 170_000 });
const folders = () => runFolders(ws.paths, 'users');
const padded = (n: number) => String(n).padStart(5, '0');
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Every build folder of the codebase has its build.json: none is left half-made. */
async function unfinishedBuilds(): Promise<string[]> {
  const out = folders().builds;
  const found: string[] = [];
  for (const name of await readdir(out)) if (!(await exists(path.join(out, name, 'build.json')))) found.push(name);
  return found;
}

async function processStatus(n: number): Promise<string | null> {
  const listed = JSON.parse((await cli(['branch', 'list', 'users', '--json'])).stdout) as {
    branches: Array<{ number: number; process: { status: string } | null }>;
  };
  return listed.branches.find((b) => b.number === n)?.process?.status ?? null;
}

describe('run of a new branch', () => {
  it('starts its process with the build, serves it once the checks passed, and records the document it serves', async () => {
    const planted = path.join(path.dirname(ws.root), 'written-by-the-branch');
    const port = (listener.address() as AddressInfo).port;
    const n = await branch(escapingModule(planted, port));
    const ran = await cli(['run', 'users', String(n), '--json']);
    expect(ran.stderr).toBe('');
    const running = JSON.parse(ran.stdout) as { status: string; socket: string; restarts: number };
    expect(running).toMatchObject({ status: 'online', restarts: 0 });
    expect(JSON.parse((await requestOverSocket(running.socket, { path: '/notes/get-escape' })).body)).toEqual({
      ok: true,
    });

    // The process was started with the build (start-ahead.int.test.ts shows it waiting for the
    // build), and answered only after the checks; a wake starts it as any other start.
    const log = await readFile(path.join(folders().logs, `users-${padded(n)}.out.log`), 'utf8');
    expect(log).toContain('[branch] started with its build, before its checks passed');
    const entry = JSON.parse(await readFile(path.join(folders().apps, `users-${padded(n)}.json`), 'utf8')) as {
      env: Record<string, string>;
    };
    expect(Object.keys(entry.env)).not.toContain('BRANCHYARD_AHEAD');
    const at = (task: string, step: string) => progress.find((e) => e.task === task && e.step === step)?.at;
    const bundled = at(`build:users:${n}`, 'bundle');
    const ready = at(`run:users:${n}`, 'ready');
    expect(bundled).toBeDefined();
    expect(ready).toBeGreaterThan(bundled!);

    // The build's record holds the document the branch serves, and the build is finished.
    const served = (await requestOverSocket(running.socket, { path: '/openapi.json' })).body;
    const shown = JSON.parse((await cli(['build', 'users', String(n), '--json'])).stdout) as {
      cached: boolean;
      openapi: string;
    };
    expect(shown.cached).toBe(true);
    expect(JSON.parse(await readFile(shown.openapi, 'utf8'))).toEqual(JSON.parse(served));
    expect(served).toContain('/notes/get-escape');
    expect(await unfinishedBuilds()).toEqual([]);

    // The modules ran only in the branch's container.
    await expect(access(planted)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(calls).toBe(0);
  });

  it('refuses a branch whose modules throw while loading, with what they threw, and leaves nothing running', async () => {
    const n = await branch({
      'src/features/notes/controllers/boom.ts':
        "throw new Error('no config in its container');\nexport function getBoom(): { ok: boolean } {\n  return { ok: true };\n}\n",
    });
    const refused = await cli(['run', 'users', String(n)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`branch ${padded(n)} of users does not build, so it was not started`);
    expect(refused.stderr).toContain('Error: no config in its container');
    const shown = JSON.parse((await cli(['branch', 'show', 'users', String(n), '--json'])).stdout) as {
      info: { status: string; checks: Record<string, { status: string }> };
    };
    expect(shown.info).toMatchObject({
      status: 'build-failed',
      checks: { typecheck: { status: 'passed' }, build: { status: 'failed' } },
    });
    expect(await processStatus(n)).toBeNull();
    expect(await exists(path.join(folders().apps, `users-${padded(n)}.json`))).toBe(false);
    expect(await unfinishedBuilds()).toEqual([]);
  });

  it('refuses a branch that does not type-check, and removes the process started with its build', async () => {
    const n = await branch({
      'src/features/notes/controllers/broken.ts': "export function getBroken(): number {\n  return 'x';\n}\n",
    });
    const refused = await cli(['run', 'users', String(n)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`branch ${padded(n)} of users does not build, so it was not started`);
    expect(await processStatus(n)).toBeNull();
    expect(await exists(path.join(folders().apps, `users-${padded(n)}.json`))).toBe(false);
    expect(await exists(path.join(folders().sockets, `${padded(n)}.sock`))).toBe(false);
  });
});
