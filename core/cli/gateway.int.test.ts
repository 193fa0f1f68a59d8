// `promote`, `gateway list|history|run` and `ca` as a user runs them, against a running
// `branchyard serve` (which starts the routed branches itself) and a gateway of its own reading
// its routes from the engine state on PostgreSQL.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import { writeTree } from '../git/fixtures/test-workspace.ts';
import type { CliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { cliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { caFiles, promoteBranch, syncRoutesFromFiles } from '../gateway/index.ts';
import { openStore } from '../store/index.ts';
import { startServe } from '../serve/index.ts';
import type { ServeHandle } from '../serve/index.ts';
import { expectOk, freePort, tempPostgresDatabase } from '../testing/index.ts';
import { loadWorkspace, workspacePaths } from '../workspace/index.ts';

const BIN = path.resolve('bin/branchyard.js');

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe('branchyard promote / gateway / ca', () => {
  let fixture: CliWorkspace;
  let ws: string;
  let serve: ServeHandle | undefined;
  const cli = (args: string[]) => fixture.cli(args);
  const get = (gateway: string, urlPath: string, port?: number) => fixture.get(gateway, urlPath, { port });

  beforeAll(async () => {
    fixture = await cliWorkspace();
    ws = fixture.ws;
    const dir = path.join(fixture.dir, 'hello');
    await writeTree(dir, {
      'src/features/hello/controllers/hello.ts':
        "export function getHello(): { hello: string } {\n  return { hello: 'from 00002' };\n}\n",
    });
    expectOk(await cli(['branch', 'new', 'users', '--from', '1', '--dir', dir]));
  });
  afterAll(async () => {
    await serve?.dispose();
    await fixture?.dispose();
  });

  it('serves the active branch on every gateway once serve has started it, and promotes through serve', async () => {
    serve = await startServe({
      workspaceRoot: ws,
      events: createEventBus(),
      env: { BRANCHYARD_RUNTIME: 'docker' },
      port: 0,
    });
    // serve starts what the gateways route to (active-branch 00001) by itself.
    const first = await until('00001 served on staging', async () => {
      const answer = await get('staging', '/notes/list-notes');
      return answer.status === 200 ? answer : undefined;
    });
    expect(JSON.parse(first.body)).toEqual(expect.any(Array));

    expect((await cli(['ca'])).stdout).toBe(`${caFiles(workspacePaths(ws)).certificate}\n`);
    const listed = JSON.parse((await cli(['gateway', 'list', '--json'])).stdout) as {
      live: boolean;
      gateways: Array<{
        name: string;
        listening: boolean;
        routes: Array<{ codebase: string; branch: number; source: string; hosts: string[] }>;
      }>;
    };
    expect(listed.live).toBe(true);
    expect(listed.gateways.map((g) => [g.name, g.listening, g.routes[0]?.branch, g.routes[0]?.source])).toEqual([
      ['development', true, 1, 'active-branch'],
      ['production', true, 1, 'active-branch'],
      ['staging', true, 1, 'active-branch'],
    ]);
    expect(listed.gateways[0]!.routes[0]!.hosts).toEqual(['users.development.ws.localhost']);

    // Promote builds and starts 00002 through serve, then switches staging to it.
    const promoted = await cli(['promote', 'users', '2', '--to', 'staging']);
    expect(promoted.stderr, promoted.stderr).toBe('');
    expect(promoted.stdout).toBe(
      'staging now routes users to 00002 (was 00001; roll back with `branchyard promote users 1 --to staging`).\n',
    );
    expect(JSON.parse((await get('staging', '/hello/get-hello')).body)).toEqual({ hello: 'from 00002' });
    expect((await get('production', '/hello/get-hello')).status).toBe(404);

    const refused = await cli(['promote', 'users', '2', '--to', 'production']);
    expect(refused.code).toBe(1);
    // The build checked its schema (the same as the shared one), so only its tests and route checks (run before an agent's branch is made) are missing.
    expect(refused.stderr).toContain(
      'production is protected and takes only branches whose every check passed; branch 00002 of users has: tests pending, routes pending\n',
    );
    const nowhere = await cli(['promote', 'users', '2', '--to', 'qa']);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('no gateway named "qa" (gateways: development, production, staging)');

    const history = JSON.parse((await cli(['gateway', 'history', '--json'])).stdout) as Array<{
      gateway: string;
      from: number;
      to: number;
      actor: string;
      by: string;
    }>;
    // The development gateway follows the newest branch that runs with its build passed.
    expect(history.map((h) => [h.gateway, h.from, h.to, h.actor])).toEqual(
      expect.arrayContaining([
        ['staging', 1, 2, 'user'],
        ['development', 1, 2, 'engine'],
      ]),
    );
    expect(JSON.parse((await get('development', '/hello/get-hello')).body)).toEqual({ hello: 'from 00002' });
  });

  it('runs a gateway as a process of its own that follows the routes in the engine state on PostgreSQL', async () => {
    const database = await tempPostgresDatabase();
    const store = await openStore({ stateDir: '', databaseUrl: database.url });
    let child: ChildProcess | undefined;
    try {
      const workspace = await loadWorkspace(ws);
      await syncRoutesFromFiles(store.db, workspace);
      const port = await freePort();
      child = spawn(
        process.execPath,
        [BIN, '--workspace', ws, 'gateway', 'run', 'production', '--port', String(port), '--http-port', 'none'],
        {
          env: { ...process.env, BRANCHYARD_DATABASE_URL: database.url },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await until(
        'the gateway to listen',
        async () => (output.includes(`listens on ${port}`) ? true : undefined),
        30_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; it printed: ${output}`);
      });
      // Production serves active-branch 00001 (serve keeps it running), then what is promoted in the state.
      expect((await get('production', '/hello/get-hello', port)).status).toBe(404);
      await promoteBranch({
        workspace,
        db: store.db,
        gateway: 'staging',
        codebase: 'users',
        branch: 2,
        actor: 'user',
        ensureRunning: async () => undefined,
        apply: async () => undefined,
      });
      const production = workspace.gateways.find((g) => g.name === 'production')!;
      production.config.protected = false;
      await promoteBranch({
        workspace,
        db: store.db,
        gateway: 'production',
        codebase: 'users',
        branch: 2,
        actor: 'user',
        ensureRunning: async () => undefined,
        apply: async () => undefined,
      });
      const switched = await until(
        'the separate gateway to pick up the route',
        async () => {
          const answer = await get('production', '/hello/get-hello', port);
          return answer.status === 200 ? answer : undefined;
        },
        10_000,
      );
      expect(JSON.parse(switched.body)).toEqual({ hello: 'from 00002' });

      const without = await cli(['gateway', 'run', 'production']);
      expect(without.code).toBe(1);
      expect(without.stderr).toContain(
        'a gateway of its own reads its routes from the engine state on PostgreSQL: set BRANCHYARD_DATABASE_URL',
      );
    } finally {
      child?.kill('SIGTERM');
      if (child && child.exitCode === null) await once(child, 'exit');
      await store.dispose();
      await database.dispose();
    }
  });
});
