// The desktop window itself, where the Electron binary exists: `electron .` opens one window on
// the workspace, the renderer reaches the engine over IPC (no HTTP server), and the page has no
// Node. Where the binary is absent (it is not downloaded on these machines) the test is reported
// skipped with the reason, never passed; the same UI is tested through `serve` in the other e2e
// files.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { electronBinary } from '../core/doctor/index.ts';
import { tempDir } from '../core/testing/index.ts';
import { buildElectron } from '../scripts/build-electron.ts';
import { buildRenderer } from '../scripts/build-renderer.ts';
import { ARTIFACTS } from './support/browser.ts';
import { expectOk, runCli } from './support/engine.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('the desktop window', () => {
  it('opens on the workspace and talks to the engine over IPC', async (context) => {
    const electron = electronBinary(process.env);
    if (!electron.ok) {
      console.log(`electron.e2e: skipped: the Electron binary is absent here (${electron.reason})`);
      context.skip(`the Electron binary is absent here (${electron.reason})`);
      return;
    }
    const tmp = await tempDir();
    try {
      const workspace = path.join(tmp.path, 'desk');
      expectOk(await runCli(['init', workspace]));
      expectOk(await runCli(['--workspace', workspace, 'codebase', 'add', 'users']));
      await buildRenderer();
      await buildElectron();
      const app = await _electron.launch({
        executablePath: electron.path,
        args: [ROOT],
        env: { ...process.env, BRANCHYARD_WORKSPACE: workspace, BRANCHYARD_RUNTIME: 'host' } as Record<string, string>,
      });
      try {
        const window = await app.firstWindow();
        await expect.poll(() => window.getByTestId('workspace-name').textContent(), { timeout: 60_000 }).toBe('desk');
        expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
        expect(await window.evaluate(() => location.protocol)).toBe('file:');
        await window.getByTestId('branches').getByRole('button', { name: /users/ }).first().click();
        await expect.poll(() => window.getByTestId('branch-users-00001').count()).toBe(1);
        await window.screenshot({ path: path.join(ARTIFACTS, 'electron-window.png') });
      } finally {
        await app.close();
      }
    } finally {
      await tmp.dispose();
    }
  }, 180_000);
});
