import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { acquireFileLock, withFileLock } from './index.ts';

/** A lock left by a holder that died: a pid that cannot be running (beyond the kernel's limit). */
const writeDeadHolder = (file: string) =>
  writeFile(file, JSON.stringify({ pid: 2 ** 22 + 1, hostname: os.hostname(), since: 'then', nonce: 'dead' }));

describe('file locks', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let file: string;
  beforeEach(async () => {
    tmp = await tempDir();
    file = path.join(tmp.path, 'x.lock');
  });
  afterEach(() => tmp.dispose());

  it('runs critical sections one at a time, even from one process', async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        withFileLock(file, { what: 'test', waitMs: 5000 }, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 5));
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('names the live holder when it will not wait, and takes over a lock whose holder is dead', async () => {
    const held = await acquireFileLock(file, { what: 'the thing' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await expect(acquireFileLock(file, { what: 'the thing', hint: 'stop it first' })).rejects.toMatchObject({
      kind: 'LockTimeoutError',
      message: expect.stringMatching(
        new RegExp(`^the thing is in use by process ${process.pid} \\(this process\\) since .*; stop it first$`),
      ),
    });
    await held.dispose();

    // A pid that cannot be running (beyond the kernel's limit) stands for a crashed holder.
    await writeFile(file, JSON.stringify({ pid: 2 ** 22 + 1, hostname: os.hostname(), since: 'then' }));
    const taken = await acquireFileLock(file, { what: 'the thing' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await taken.dispose();
  });

  it('stays exclusive when many waiters find a stale lock at once', async () => {
    for (let round = 0; round < 30; round++) {
      await writeDeadHolder(file);
      let inside = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 20 }, () =>
          withFileLock(file, { what: 'test', waitMs: 5000 }, async () => {
            inside++;
            most = Math.max(most, inside);
            await new Promise((r) => setTimeout(r, 2));
            inside--;
          }),
        ),
      );
      expect(most).toBe(1);
    }
  });

  it('lets exactly one of many callers take over a stale lock, even with no queue in this process between them', async () => {
    // Callers that will not wait skip this process's queue, so they race on the file itself as
    // separate processes do: two that judge the same lock stale must not both end up holding it.
    for (let round = 0; round < 40; round++) {
      await writeDeadHolder(file);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, () => acquireFileLock(file, { what: 'test', waitMs: 0 })),
      );
      const held = outcomes.filter((o) => o.status === 'fulfilled');
      expect(held, `round ${round}`).toHaveLength(1);
      for (const o of outcomes)
        if (o.status === 'rejected') expect((o.reason as { kind?: string }).kind).toBe('LockTimeoutError');
      await (held[0] as PromiseFulfilledResult<{ dispose(): Promise<void> }>).value.dispose();
    }
  });

  it('gives up after waiting, with the kind the caller chose', async () => {
    const held = await acquireFileLock(file, { what: 'slow' });
    await expect(
      acquireFileLock(file, { what: 'slow', waitMs: 100, errorKind: 'StoreInUseError' }),
    ).rejects.toMatchObject({ kind: 'StoreInUseError' });
    await held.dispose();
  });
});
