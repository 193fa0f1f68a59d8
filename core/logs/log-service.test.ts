// Token thresholds come from the workspace (`branchyard.json`), a codebase (`codebase.json`)
// overriding it, or the defaults: shown by where the writer closes its files. And the access
// log's free fields cleaned and redacted.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { countTokens } from '../tokens/index.ts';
import { initWorkspace, loadWorkspace } from '../workspace/index.ts';
import { LogService } from './log-service.ts';

describe('LogService thresholds', () => {
  it('uses the workspace’s, a codebase’s over it, and the defaults for the rest', async () => {
    const tmp = await tempDir();
    try {
      const { root } = await initWorkspace({ dir: path.join(tmp.path, 'ws') });
      const manifestFile = path.join(root, 'branchyard.json');
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Record<string, unknown>;
      await writeFile(manifestFile, JSON.stringify({ ...manifest, logs: { tokens: { 'api-gateway': 300 } } }));
      await mkdir(path.join(root, 'codebases', 'users'), { recursive: true });
      await writeFile(
        path.join(root, 'codebases', 'users', 'codebase.json'),
        JSON.stringify({ domains: [], logs: { tokens: { 'api-gateway': 600 } } }),
      );
      const logs = await LogService.open({ workspace: await loadWorkspace(root), commitIntervalMs: 0 });
      const line = (i: number) =>
        `2026-11-21T10:00:00.000Z development GET /notes/list-notes 200 1.5ms 312B 127.0.0.1 proxied ${i}`;
      for (let i = 0; i < 200; i++) {
        logs.append({ gateway: 'development' }, 'api-gateway', line(i));
        logs.append({ codebase: 'users', branch: 1 }, 'api-gateway', line(i));
        logs.append({ codebase: 'users', branch: 1 }, 'pm2', line(i));
      }
      await logs.dispose();
      const largest = async (dir: string) => {
        const names = await readdir(dir);
        const sizes = await Promise.all(names.map(async (n) => countTokens(await readFile(path.join(dir, n), 'utf8'))));
        return { files: names.length, largest: Math.max(...sizes) };
      };
      const gateway = await largest(logs.repository.gatewayFolder('development'));
      const codebase = await largest(logs.repository.folder('users', 1, 'api-gateway'));
      const pm2 = await largest(logs.repository.folder('users', 1, 'pm2'));
      expect(gateway.largest).toBeLessThanOrEqual(300);
      expect(gateway.largest).toBeGreaterThan(250);
      expect(codebase.largest).toBeLessThanOrEqual(600);
      expect(codebase.largest).toBeGreaterThan(300);
      expect(gateway.files).toBeGreaterThan(codebase.files);
      // pm2 keeps its default of 10,000: all 200 lines fit one file.
      expect(pm2.files).toBe(1);
    } finally {
      await tmp.dispose();
    }
  });
});

describe('LogService access log', () => {
  it('escapes control characters and redacts secrets in the fields a client chooses', async () => {
    const tmp = await tempDir();
    try {
      const { root } = await initWorkspace({ dir: path.join(tmp.path, 'ws') });
      const key = 'sk-live-or-not-0123456789abcdef';
      const logs = await LogService.open({
        workspace: await loadWorkspace(root),
        commitIntervalMs: 0,
        secrets: ['the-configured-llm-key'],
      });
      logs.accessLog.write({
        at: '2026-11-22T10:00:00.000Z',
        gateway: 'development',
        codebase: 'users',
        branch: 1,
        client: '127.0.0.1',
        method: 'GET',
        path: `/keys/${key}/the-configured-llm-key/a\u0007b\r`,
        status: 404,
        durationMs: 1.5,
        bytes: 80,
        outcome: 'refused',
        reason: 'no route\nforged line',
        user: 'eve\u001b[2J',
      });
      await logs.dispose();
      const folder = logs.repository.folder('users', 1, 'api-gateway');
      const text = (await Promise.all((await readdir(folder)).map((n) => readFile(path.join(folder, n), 'utf8')))).join(
        '',
      );
      expect(text).toBe(
        '2026-11-22T10:00:00.000Z development GET /keys/[redacted]/[redacted]/a\\x07b\\x0d 404 1.5ms 80B 127.0.0.1 refused (no route\\x0aforged line) user=eve\\x1b[2J\n',
      );
    } finally {
      await tmp.dispose();
    }
  });
});
