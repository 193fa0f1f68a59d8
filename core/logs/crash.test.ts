// The engine killed mid-write (SIGKILL, no chance to close anything): no file is lost, the
// folder holds every line up to the cut at most once, and the next run goes on from there.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { countTokens } from '../tokens/index.ts';
import { compareLogNames, parseLogName } from './file-names.ts';
import { Redactor } from './redact.ts';
import { TokenLog } from './token-log.ts';

const WRITER = fileURLToPath(new URL('./fixtures/write-until-killed.ts', import.meta.url));

async function killMidWrite(dir: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => resolve());
    child.on('exit', (code) => reject(new Error(`the writer exited (${code}) before it wrote`)));
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
}

describe('a writer killed mid-write', () => {
  it('loses at most the open file’s last line; closed files match their names; the next run goes on', async () => {
    const tmp = await tempDir();
    try {
      await killMidWrite(tmp.path);
      const log = await TokenLog.open({ dir: tmp.path, threshold: 500, redactor: new Redactor() });
      log.append('after the restart');
      await log.close();

      const names = (await readdir(tmp.path))
        .map(parseLogName)
        .filter((n) => n !== undefined)
        .sort(compareLogNames);
      expect(names.filter((n) => n.open)).toHaveLength(1);
      expect(names.length).toBeGreaterThan(3);
      const lines: string[] = [];
      for (const name of names) {
        const text = await readFile(path.join(tmp.path, name.name), 'utf8');
        expect(text.endsWith('\n')).toBe(true);
        const tokens = countTokens(text);
        expect(tokens).toBeLessThanOrEqual(500);
        if (!name.open) expect(name.thousands).toBe(Math.round(tokens / 1000));
        lines.push(...text.split('\n').filter(Boolean));
      }
      expect(lines.at(-1)).toBe('after the restart');
      const numbers = lines.slice(0, -1).map((l) => Number(/^line (\d+) /.exec(l)![1]));
      expect(numbers).toEqual(numbers.map((_, i) => i));
    } finally {
      await tmp.dispose();
    }
  });
});
