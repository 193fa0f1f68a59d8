// A machine whose Docker engine does not answer, with serve told to use Docker: the doctor says
// so, and opening a terminal in a branch's container fails in the terminal pane with what to do.
// The rest of the window goes on working.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFreePorts } from '../core/gateway/fixtures/gateway-fixture.ts';
import { workspacePaths } from '../core/workspace/index.ts';
import { ARTIFACTS } from './support/browser.ts';
import { expectOk, runCli } from './support/engine.ts';
import { useServedWorkspace } from './support/served-workspace.ts';

const GONE = '/nonexistent/branchyard-test/docker.sock';
const s = useServedWorkspace(
  'nodocker',
  async (workspace) => {
    expectOk(await runCli(['--workspace', workspace, 'codebase', 'add', 'users']));
    await useFreePorts(workspacePaths(workspace));
  },
  { BRANCHYARD_RUNTIME: 'docker', DOCKER_HOST: `unix://${GONE}` },
);

describe('without Docker', () => {
  it('says so in the doctor and in the terminal pane, and the rest works', async () => {
    const page = await s.browser.context.newPage();
    await page.goto(s.serve.loginUrl);
    await page.getByTestId('branches').getByRole('button', { name: /users/ }).first().click();
    await page.getByTestId('branch-users-00001').click();
    await page.getByTestId('tab-terminal').click();
    await page.getByRole('button', { name: /Shell in the container of users 00001/ }).click();
    const error = page.getByTestId('terminals').getByRole('alert');
    await expect
      .poll(() => error.textContent(), { timeout: 30_000 })
      .toContain(`cannot reach the Docker engine at ${GONE}`);
    expect(await error.textContent()).toContain('start it (dockerd) or run branches on the host without isolation');
    await page.screenshot({ path: path.join(ARTIFACTS, 'no-docker-terminal.png'), fullPage: true });

    // The branch's own record and diff still show; the doctor names what is missing.
    await page.getByTestId('tab-branch').click();
    await expect
      .poll(() => page.getByTestId('branch-detail').locator('h2').first().textContent())
      .toBe('Branch 00001 from –');
    await page.getByTestId('tab-settings').click();
    const docker = page.getByTestId('doctor').locator('li', { hasText: '✗ docker' });
    await expect.poll(() => docker.textContent(), { timeout: 15_000 }).toContain(GONE);
    // The tree still lists the branches, saying why their processes are unknown.
    expect(await page.getByTestId('runtime-problem').textContent()).toContain('cannot reach the Docker engine');
    await page.close();
  }, 120_000);
});
