// File locks between real processes, starting from a lock left by a crashed holder.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';

const CONTEND = fileURLToPath(new URL('./fixtures/contend.ts', import.meta.url));

describe('file locks between processes', () => {
  it('lets one process in at a time, and exactly one takes over a stale lock', async () => {
    const tmp = await tempDir();
    try {
      const lockFile = path.join(tmp.path, 'shared.lock');
      const log = path.join(tmp.path, 'log');
      await writeFile(
        lockFile,
        JSON.stringify({ pid: 2 ** 22 + 1, hostname: os.hostname(), since: 'long ago', nonce: 'dead' }),
      );
      const run = () =>
        new Promise<void>((resolve, reject) =>
          execFile(
            process.execPath,
            ['--import', 'tsx', CONTEND, lockFile, log, '25'],
            { timeout: 90_000 },
            (error, _out, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve()),
          ),
        );
      await Promise.all([run(), run(), run(), run()]);
      const lines = (await readFile(log, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(4 * 25 * 2);
      for (let i = 0; i < lines.length; i += 2) {
        const [enter, exit] = [lines[i]!, lines[i + 1]!];
        expect(enter.startsWith('enter ')).toBe(true);
        expect(exit).toBe(enter.replace('enter', 'exit'));
      }
    } finally {
      await tmp.dispose();
    }
  });
});
