// One workspace served by a real `branchyard serve` process and one Chromium, for a test file:
// made before its tests (after `prepare` has filled the workspace) and removed after them.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { expectOk, tempDir } from '../../core/testing/index.ts';
import { buildRenderer } from '../../scripts/build-renderer.ts';
import { ARTIFACTS, launchBrowser } from './browser.ts';
import { runCli, startServeProcess } from './engine.ts';
import type { ServeProcess } from './engine.ts';

export interface ServedWorkspace {
  tmp: string;
  workspace: string;
  serve: ServeProcess;
  browser: Awaited<ReturnType<typeof launchBrowser>>;
}

export function useServedWorkspace(
  name: string,
  prepare?: (workspace: string) => Promise<void>,
  env: NodeJS.ProcessEnv = {},
): ServedWorkspace {
  const session = {} as ServedWorkspace;
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  beforeAll(async () => {
    tmp = await tempDir();
    session.tmp = tmp.path;
    session.workspace = path.join(tmp.path, name);
    await buildRenderer();
    expectOk(await runCli(['init', session.workspace]));
    await prepare?.(session.workspace);
    session.serve = await startServeProcess(session.workspace, env);
    session.browser = await launchBrowser();
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await session.browser?.dispose();
    await session.serve?.stop();
    await tmp?.dispose();
  });
  return session;
}
