// Bad live budgets (servers/config.json) and sleep settings (gateways, codebase.json) are named
// by file, field and reason, and reading them never changes what is stored.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { initWorkspace, loadWorkspace, readCodebaseSettings, workspacePaths, WorkspaceConfigError } from './index.ts';

let pristine: string;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let ws: string;
let counter = 0;

beforeAll(async () => {
  tmp = await tempDir();
  pristine = (await initWorkspace({ dir: path.join(tmp.path, 'pristine'), name: 'acme' })).root;
});
afterAll(() => tmp.dispose());
beforeEach(async () => {
  ws = path.join(tmp.path, `ws-${counter++}`);
  await cp(pristine, ws, { recursive: true });
});

const edit = async (file: string, change: (json: Record<string, unknown>) => void) => {
  const full = path.join(ws, file);
  const json = JSON.parse(await readFile(full, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  change(json);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, JSON.stringify(json));
};

async function problemsOf(load: () => Promise<unknown>): Promise<string[]> {
  const error = await load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkspaceConfigError);
  return (error as Error).message.split('\n');
}

describe('the live budget and the sleep settings', () => {
  it('servers/config.json: a negative count, a number that is text, and an unknown key, all named at once', async () => {
    await edit('servers/config.json', (j) => (j.live = { maxBranches: -3, maxMemoryMb: '4096', maxBranch: 5 }));
    const before = await readFile(path.join(ws, 'servers/config.json'), 'utf8');
    expect(await problemsOf(() => loadWorkspace(ws))).toEqual([
      'servers/config.json: live.maxBranches: expected a whole number of branches above 0, got -3',
      'servers/config.json: live.maxMemoryMb: expected a whole number of megabytes above 0, got "4096"',
      'servers/config.json: live.maxBranch: unknown field (check its spelling)',
    ]);
    // Nothing stored is touched: the file is as the user wrote it, to be fixed in place.
    expect(await readFile(path.join(ws, 'servers/config.json'), 'utf8')).toBe(before);
  });

  it('servers/config.json: a fraction of a branch and zero megabytes', async () => {
    await edit('servers/config.json', (j) => (j.live = { maxBranches: 2.5, maxMemoryMb: 0 }));
    expect(await problemsOf(() => loadWorkspace(ws))).toEqual([
      'servers/config.json: live.maxBranches: expected a whole number of branches above 0, got 2.5',
      'servers/config.json: live.maxMemoryMb: expected a whole number of megabytes above 0, got 0',
    ]);
  });

  it('a good budget is read as written', async () => {
    await edit('servers/config.json', (j) => (j.live = { maxBranches: 40, maxMemoryMb: 8192 }));
    expect((await loadWorkspace(ws)).servers.live).toEqual({ maxBranches: 40, maxMemoryMb: 8192 });
  });

  it("a gateway's sleep: negative minutes, a pin that is not true or false, an unknown key", async () => {
    await edit('gateways/staging.json', (j) => (j.sleep = { idleMinutes: -1, pinned: 'yes', idleSeconds: 30 }));
    expect(await problemsOf(() => loadWorkspace(ws))).toEqual([
      'gateways/staging.json: sleep.idleMinutes: expected a number of minutes above 0, got -1',
      'gateways/staging.json: sleep.pinned: expected true or false, got "yes"',
      'gateways/staging.json: sleep.idleSeconds: unknown field (check its spelling)',
    ]);
  });

  it("a codebase's sleep: minutes that are text, and a pin on a gateway that does not exist", async () => {
    const paths = workspacePaths(ws);
    await edit('codebases/users/codebase.json', (j) =>
      Object.assign(j, { domains: [], sleep: { idleMinutes: 'ten' } }),
    );
    expect(await problemsOf(() => readCodebaseSettings(paths, 'users'))).toEqual([
      'codebases/users/codebase.json: sleep.idleMinutes: expected a number of minutes above 0, got "ten"',
    ]);
    await edit('codebases/users/codebase.json', (j) => (j.sleep = { idleMinutes: 5, pinned: ['production', 'prod'] }));
    const before = await readFile(path.join(ws, 'codebases/users/codebase.json'), 'utf8');
    expect(await problemsOf(() => readCodebaseSettings(paths, 'users'))).toEqual([
      'codebases/users/codebase.json: sleep.pinned.1: no gateway named "prod" (gateways: development, production, staging)',
    ]);
    expect(await readFile(path.join(ws, 'codebases/users/codebase.json'), 'utf8')).toBe(before);
    await edit('codebases/users/codebase.json', (j) => (j.sleep = { idleMinutes: 5, pinned: ['production'] }));
    expect((await readCodebaseSettings(paths, 'users')).sleep).toEqual({ idleMinutes: 5, pinned: ['production'] });
  });
});
