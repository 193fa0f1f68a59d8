// Settings that would hand the LLM key somewhere else: an endpoint that is not http(s), and a
// database whose URL variable is the key's. Both refused with the file and field named, and
// nothing written.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { aiSchema } from './schemas.ts';
import { initWorkspace, loadWorkspace, updateAiSettings, urlEnvProblem, workspacePaths } from './index.ts';

describe('settings that could leak the LLM key', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  beforeAll(async () => {
    tmp = await tempDir();
    root = (await initWorkspace({ dir: path.join(tmp.path, 'ws'), name: 'acme' })).root;
  });
  afterAll(() => tmp.dispose());

  it('takes only http and https endpoints', async () => {
    const ai = (await loadWorkspace(root)).ai;
    for (const baseUrl of ['file:///etc/passwd', 'data:text/plain,x', 'ftp://example.com/v1', 'javascript:alert(1)']) {
      expect(aiSchema.safeParse({ ...ai, baseUrl }).success, baseUrl).toBe(false);
    }
    for (const baseUrl of ['https://openrouter.ai/api/v1', 'http://127.0.0.1:11434/v1'])
      expect(aiSchema.safeParse({ ...ai, baseUrl }).success, baseUrl).toBe(true);
  });

  it('refuses a file: endpoint from the settings pane and leaves ai/config.json as it was', async () => {
    const file = workspacePaths(root).aiConfig;
    const before = await readFile(file, 'utf8');
    await expect(updateAiSettings(workspacePaths(root), { baseUrl: 'file:///etc/passwd' })).rejects.toMatchObject({
      kind: 'WorkspaceConfigError',
      message: expect.stringContaining('ai/config.json: baseUrl: expected an http(s) URL'),
    });
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('never lets a database URL variable name the key variable', async () => {
    expect(urlEnvProblem('SHOP_DATABASE_URL', 'BRANCHYARD_AI_KEY')).toBeUndefined();
    expect(urlEnvProblem('BRANCHYARD_AI_KEY', 'BRANCHYARD_AI_KEY')).toContain('BRANCHYARD_AI_KEY holds the LLM key');
    expect(urlEnvProblem('MY_LLM_KEY', 'MY_LLM_KEY')).toContain('MY_LLM_KEY holds the LLM key');
    // The default name stays refused after the key moved to another variable.
    expect(urlEnvProblem('BRANCHYARD_AI_KEY', 'MY_LLM_KEY')).toBeDefined();
  });

  it('refuses to load a workspace whose database was edited to name the key variable', async () => {
    const dir = path.join(root, 'databases', 'db-077');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ engine: 'postgres', urlEnv: 'BRANCHYARD_AI_KEY' }));
    await expect(loadWorkspace(root)).rejects.toMatchObject({
      message: expect.stringContaining('databases/db-077/config.json: urlEnv: BRANCHYARD_AI_KEY holds the LLM key'),
    });
  });
});
