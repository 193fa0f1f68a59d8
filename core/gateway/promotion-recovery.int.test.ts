// Promotions and the engine stopping: a rollback to a branch a protected gateway served before
// is taken whatever its checks say now (issue 19), and a promotion cut off after its gateway file
// was written is committed and put in the history at the next start (issue 23). Real git, the
// real engine state in PGlite, the real engine start.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import type { TestWorkspace } from '../git/fixtures/test-workspace.ts';
import { gitCli, testWorkspace, text } from '../git/fixtures/test-workspace.ts';
import { CHECK_NAMES, createBranch, recordChecks } from '../git/index.ts';
import { startEngine } from '../engine/index.ts';
import type { Store } from '../store/index.ts';
import { ensureCodebase, ensureGateway, listPromotions, openStore, promote } from '../store/index.ts';
import { expectOk, runBranchyard } from '../testing/index.ts';
import { loadWorkspace } from '../workspace/index.ts';
import { useFreePorts } from './fixtures/gateway-fixture.ts';
import { editJsonFile } from './gateway-file.ts';
import { promoteBranch } from './promote.ts';

const passed = { status: 'passed' as const, at: new Date().toISOString() };
// Every check there is (the list grows), passed.
const allPassed = Object.fromEntries(CHECK_NAMES.map((name) => [name, passed]));

describe('promotion and a stopped engine', () => {
  let ws: TestWorkspace;
  beforeEach(async () => {
    ws = await testWorkspace();
  });
  afterEach(async () => {
    await ws.dispose();
  });

  async function branch(checks: Parameters<typeof recordChecks>[2]['checks']): Promise<number> {
    const made = await createBranch({
      codebase: ws.codebase,
      logsRepository: ws.logsRepository,
      parent: 1,
      changes: text({ 'src/x.ts': `export const x = ${Math.random()};\n` }),
      author: 'user',
      message: 'a change',
    });
    await recordChecks(ws.codebase, made.info.number, { checks });
    return made.info.number;
  }

  describe('rollback on a protected gateway', () => {
    let store: Store;
    beforeEach(async () => {
      store = await openStore({ stateDir: ws.paths.stateDir });
    });
    afterEach(async () => {
      await store.close();
    });
    const promoteTo = async (gateway: string, to: number) =>
      promoteBranch({
        workspace: await loadWorkspace(ws.root),
        db: store.db,
        gateway,
        codebase: 'users',
        branch: to,
        actor: 'user',
        ensureRunning: async () => undefined,
        apply: async () => undefined,
      });

    it('takes back a branch it served before, whatever its checks say now; refuses one it never served', async () => {
      const a = await branch(allPassed);
      const b = await branch(allPassed);
      const never = await branch({ ...allPassed, tests: { status: 'pending' } });
      await promoteTo('production', a);
      await promoteTo('production', b);
      // A's checks are stale now (a new migration asks for its schema to be checked again).
      await recordChecks(ws.codebase, a, { checks: { schema: { status: 'pending' } } });

      const back = await promoteTo('production', a);
      expect(back).toMatchObject({ gateway: 'production', from: b, to: a });
      // 00001 served production as the active branch before any promotion: it never passed its tests, and may still come back.
      expect(await promoteTo('production', 1)).toMatchObject({ from: a, to: 1 });

      await expect(promoteTo('production', never)).rejects.toThrow(
        `production is protected and takes only branches whose every check passed; branch 0000${never} of users has: tests pending`,
      );
      // Serving another gateway is no pass here.
      await promoteTo('staging', never);
      await expect(promoteTo('production', never)).rejects.toThrow('tests pending');
    });
  });

  it('commits at the next start a promotion whose gateway file was written but not committed, and records it in the history if the state lacks it', async () => {
    const to = await branch(allPassed);
    await useFreePorts(ws.paths);
    await gitCli(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'free ports for the test'], {
      cwd: ws.root,
    });
    const at = new Date(Date.now() - 60_000).toISOString();
    const record = (gateway: string) => ({
      codebase: 'users',
      from: '00001',
      to: `0000${to}`,
      by: 'user:tester',
      at,
      gateway,
    });
    // Stopped right after the file was written (staging), and after the state was written too (production).
    const write = (gateway: string) => {
      const { gateway: _name, ...entry } = record(gateway);
      return editJsonFile(path.join(ws.paths.gatewaysDir, `${gateway}.json`), ws.paths.stagingDir, [
        [['routes', 'users'], entry.to],
        [['promotions'], [entry]],
      ]);
    };
    await write('staging');
    await write('production');
    const store = await openStore({ stateDir: ws.paths.stateDir });
    const workspace = await loadWorkspace(ws.root);
    const production = workspace.gateways.find((g) => g.name === 'production')!.config;
    await promote(store.db, {
      gatewayId: await ensureGateway(store.db, {
        name: 'production',
        port: production.port,
        httpPort: production.httpPort,
        protected: true,
      }),
      codebaseId: await ensureCodebase(store.db, 'users'),
      toBranch: to,
      from: 1,
      actor: 'user',
      by: 'user:tester',
    });
    await store.close();
    expect(await gitCli(['status', '--porcelain', 'gateways'], { cwd: ws.root })).not.toBe('');

    const engine = await startEngine({ workspaceRoot: ws.root, events: createEventBus(), env: {}, autostart: false });
    try {
      expect(await gitCli(['status', '--porcelain', 'gateways'], { cwd: ws.root })).toBe('');
      const log = await gitCli(['log', '--format=%s', '--name-only', '-2'], { cwd: ws.root });
      expect(log).toContain(
        `Promote users 0000${to} to staging (was 00001): recorded at start, the engine stopped before committing it\n\ngateways/staging.json`,
      );
      expect(log).toContain(`Promote users 0000${to} to production (was 00001): recorded at start`);
      const history = await listPromotions(engine.store.db, { codebase: 'users' });
      // Once each: the one the state had is not recorded twice.
      expect(history.map((h) => [h.gateway, h.from, h.to, h.by])).toEqual(
        expect.arrayContaining([
          ['staging', 1, to, 'user:tester'],
          ['production', 1, to, 'user:tester'],
        ]),
      );
      expect(history).toHaveLength(2);
      expect(history.find((h) => h.gateway === 'staging')!.at.toISOString()).toBe(at);
      expect(engine.gateways.routeOf('staging', 'users')).toBe(to);
    } finally {
      await engine.dispose();
    }
    // `gateway history` shows it, and a start with nothing left over commits nothing more.
    const shown = JSON.parse(
      expectOk(
        await runBranchyard(['--workspace', ws.root, '--json', 'gateway', 'history', '--gateway', 'staging'], {
          env: { BRANCHYARD_DATABASE_URL: '' },
        }),
      ).stdout,
    ) as Array<{ to: number; by: string }>;
    expect(shown).toEqual([expect.objectContaining({ to, by: 'user:tester' })]);
    const head = await gitCli(['rev-parse', 'HEAD'], { cwd: ws.root });
    await (
      await startEngine({ workspaceRoot: ws.root, events: createEventBus(), env: {}, autostart: false })
    ).dispose();
    expect(await gitCli(['rev-parse', 'HEAD'], { cwd: ws.root })).toBe(head);
    // Two engine starts and a CLI process, on a machine shared with other test runs.
  }, 240_000);
});
