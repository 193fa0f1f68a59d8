import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, TEST_PG_URL } from '../testing/index.ts';
import { initWorkspace, loadWorkspace } from '../workspace/index.ts';
import type { Workspace } from '../workspace/index.ts';
import { runDoctor } from './index.ts';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let workspace: Workspace;
beforeAll(async () => {
  tmp = await tempDir();
  workspace = await loadWorkspace((await initWorkspace({ dir: path.join(tmp.path, 'ws') })).root);
});
afterAll(() => tmp.dispose());

const check = async (id: string, env: NodeJS.ProcessEnv, ws: Workspace | undefined = workspace) => {
  const report = await runDoctor({ workspace: ws ? { ok: true, value: ws } : undefined, env, timeoutMs: 1000 });
  return report.checks.find((c) => c.id === id)!;
};

describe('doctor', () => {
  it('finds the Docker engine this machine runs', async () => {
    const docker = await check('docker', {});
    expect(docker.status, `${docker.detail}: start dockerd (./scripts/test.sh does it as root)`).toBe('ok');
    expect(docker.detail).toMatch(/^Docker engine \S+ at \/var\/run\/docker\.sock$/);
  });

  it('reports a missing Docker engine and what that turns off', async () => {
    const none = {
      ...workspace,
      servers: {
        ...workspace.servers,
        servers: { local: { kind: 'local-docker' as const, socket: path.join(tmp.path, 'no.sock') } },
      },
    };
    const docker = await check('docker', {}, none);
    expect(docker).toMatchObject({
      status: 'missing',
      detail: `no socket at ${path.join(tmp.path, 'no.sock')} (is dockerd running?)`,
    });
    expect(docker.turnsOff).toContain('no isolation');
  });

  it('reaches a PostgreSQL server by URL, and says so when the URL points at nothing', async () => {
    const ok = await check('postgres', { BRANCHYARD_DATABASE_URL: TEST_PG_URL });
    expect(ok.status, ok.detail).toBe('ok');
    expect(ok.detail).not.toContain('branchyard:branchyard@');
    const bad = await check('postgres', { BRANCHYARD_DATABASE_URL: 'postgres://u:pw@127.0.0.1:1/x' });
    expect(bad).toMatchObject({
      status: 'missing',
      detail: expect.stringContaining('postgres://u:***@127.0.0.1:1/x: connect ECONNREFUSED'),
    });
    expect(await check('postgres', {})).toMatchObject({ status: 'skipped' });
  });

  it('says whether the LLM key is configured without ever showing it', async () => {
    expect(await check('llm', {})).toMatchObject({
      status: 'missing',
      detail: expect.stringContaining('no key in BRANCHYARD_AI_KEY'),
    });
    const ok = await check('llm', { BRANCHYARD_AI_KEY: 'sk-or-very-secret' });
    expect(ok.status).toBe('ok');
    expect(JSON.stringify(ok)).not.toContain('very-secret');
  });

  it('reports the Electron binary as missing where it was not downloaded', async () => {
    const electron = await check('electron', { ELECTRON_OVERRIDE_DIST_PATH: path.join(tmp.path, 'no-electron') });
    expect(electron).toMatchObject({
      status: 'missing',
      turnsOff: expect.stringContaining('serves the same UI in a browser'),
    });
  });

  it('names a gateway port taken by another program', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(workspace.gateways[0]!.config.port, '127.0.0.1', resolve));
    try {
      const ports = await check('gateway-ports', {});
      expect(ports).toMatchObject({
        status: 'missing',
        detail: `in use by another program: 127.0.0.1:${workspace.gateways[0]!.config.port} (${workspace.gateways[0]!.name})`,
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect((await check('gateway-ports', {})).status).toBe('ok');
  });

  it("does not call the live engine's own gateways another program", async () => {
    const gateway = workspace.gateways[0]!;
    const ours = net.createServer();
    await new Promise<void>((resolve) => ours.listen(gateway.config.port, '127.0.0.1', resolve));
    try {
      const report = await runDoctor({
        workspace: { ok: true, value: workspace },
        env: {},
        timeoutMs: 1000,
        ownListeners: new Set([`127.0.0.1:${gateway.config.port}`]),
      });
      expect(report.checks.find((c) => c.id === 'gateway-ports')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/^listening: /),
      });
    } finally {
      await new Promise((resolve) => ours.close(resolve));
    }
  });
});
