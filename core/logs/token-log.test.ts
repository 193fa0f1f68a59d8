import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { countTokens } from '../tokens/index.ts';
import { compareLogNames, parseLogName } from './file-names.ts';
import { Redactor } from './redact.ts';
import { countLines, pieces, TokenLog } from './token-log.ts';

const line = (i: number) =>
  `2026-11-21T10:00:00.000Z [out] request ${i} served GET /notes/list-notes in ${i % 17} ms for user-${(i * 7919).toString(36)}`;

/** Every file checked against its name: closed ones by recounting, and the order of their lines. */
async function files(dir: string): Promise<{ name: string; open: boolean; tokens: number; text: string }[]> {
  const names = (await readdir(dir))
    .map(parseLogName)
    .filter((n) => n !== undefined)
    .sort(compareLogNames);
  const out = [];
  for (const name of names) {
    const text = await readFile(path.join(dir, name.name), 'utf8');
    out.push({ name: name.name, open: name.open, tokens: countTokens(text), text });
  }
  return out;
}

describe('TokenLog', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let clock: number;
  const now = () => new Date(clock);
  beforeEach(async () => {
    tmp = await tempDir();
    clock = Date.UTC(2026, 10, 21, 10, 0, 0);
  });
  afterEach(() => tmp.dispose());

  it('closes a file as soon as the next line would pass the threshold, named after its real token count and its first line’s time', async () => {
    const log = await TokenLog.open({ dir: tmp.path, threshold: 1000, redactor: new Redactor(), now });
    for (let i = 0; i < 300; i++) {
      log.append(line(i));
      clock += 1000;
    }
    await log.close();
    const all = await files(tmp.path);
    const closed = all.filter((f) => !f.open);
    expect(closed.length).toBeGreaterThanOrEqual(3);
    expect(all.filter((f) => f.open)).toHaveLength(1);
    for (const file of closed) {
      expect(file.tokens).toBeLessThanOrEqual(1000);
      // Closed because the next line did not fit: within one line of the threshold.
      expect(file.tokens).toBeGreaterThan(1000 - countTokens(`${line(0)}\n`) - 5);
      expect(file.name).toMatch(new RegExp(`^${Math.round(file.tokens / 1000)}k-20261121-10\\d{4}\\.log$`));
    }
    expect(closed[0]!.name).toBe('1k-20261121-100000.log');
    // Nothing lost, nothing repeated, in order.
    const lines = all.flatMap((f) => f.text.split('\n').filter(Boolean));
    expect(lines).toEqual(Array.from({ length: 300 }, (_, i) => line(i)));
  });

  it('splits a line larger than the threshold into pieces that each fit, keeping all of it', async () => {
    const huge = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');
    const split = pieces(huge, 500);
    expect(split.length).toBeGreaterThan(5);
    expect(split.map((p) => p.text).join('')).toBe(huge);
    for (const piece of split) {
      expect(piece.tokens).toBeLessThanOrEqual(500);
      expect(piece.tokens).toBe(countTokens(`${piece.text}\n`));
    }
    const log = await TokenLog.open({ dir: tmp.path, threshold: 500, redactor: new Redactor(), now });
    log.append(huge);
    await log.close();
    const all = await files(tmp.path);
    expect(all.every((f) => f.tokens <= 500)).toBe(true);
    expect(all.map((f) => f.text.replace(/\n$/, '')).join('')).toBe(huge);
  });

  it('redacts before writing', async () => {
    const key = 'sk-or-v1-0123456789abcdef0123456789abcdef';
    const log = await TokenLog.open({
      dir: tmp.path,
      threshold: 1000,
      redactor: new Redactor(['my-very-own-secret-value']),
      now,
    });
    log.append(`calling the model with ${key}`);
    log.append('authorization: Bearer abcdefghijklmnop1234');
    log.append('the secret is my-very-own-secret-value, really');
    await log.close();
    const text = (await files(tmp.path)).map((f) => f.text).join('');
    expect(text).not.toContain(key);
    expect(text).not.toContain('abcdefghijklmnop1234');
    expect(text).not.toContain('my-very-own-secret-value');
    expect(text.match(/\[redacted\]/g)).toHaveLength(3);
  });

  it('bounds memory under a burst faster than the disk: drops lines and says how many', async () => {
    const log = await TokenLog.open({
      dir: tmp.path,
      threshold: 100_000,
      redactor: new Redactor(),
      now,
      maxQueueBytes: 64 * 1024,
    });
    // One synchronous burst: the disk gets no turn until it ends.
    for (let i = 0; i < 5000; i++) log.append(line(i));
    expect(log.pending).toBeLessThanOrEqual(64 * 1024 + 200);
    await log.flush();
    log.append('after the burst');
    await log.close();
    const text = (await files(tmp.path)).map((f) => f.text).join('');
    const kept = text.split('\n').filter((l) => l.includes('request ')).length;
    const notice = /\[branchyard\] (\d+) lines were dropped here/.exec(text);
    expect(notice).not.toBeNull();
    expect(kept + Number(notice![1])).toBe(5000);
    expect(text.trimEnd().endsWith('after the burst')).toBe(true);
  });

  it('goes on after a crash: a partial last line is cut off, the open file continues with its count', async () => {
    const first = await TokenLog.open({ dir: tmp.path, threshold: 1000, redactor: new Redactor(), now });
    for (let i = 0; i < 10; i++) first.append(line(i));
    await first.flush(); // killed here: the handle is never closed
    const open = (await readdir(tmp.path)).find((n) => n.startsWith('open-'))!;
    await appendFile(path.join(tmp.path, open), 'half a line with no end');
    const again = await TokenLog.open({ dir: tmp.path, threshold: 1000, redactor: new Redactor(), now });
    for (let i = 10; i < 100; i++) again.append(line(i));
    await again.close();
    const all = await files(tmp.path);
    const lines = all.flatMap((f) => f.text.split('\n').filter(Boolean));
    expect(lines).toEqual(Array.from({ length: 100 }, (_, i) => line(i)));
    for (const file of all.filter((f) => !f.open))
      expect(file.name.startsWith(`${Math.round(file.tokens / 1000)}k-`)).toBe(true);
  });

  it('finishes an open file left beside a newer one', async () => {
    await writeFile(path.join(tmp.path, 'open-20261120-090000.log'), `${line(1)}\n${line(2)}\n`);
    await writeFile(path.join(tmp.path, 'open-20261120-100000.log'), `${line(3)}\n`);
    const log = await TokenLog.open({ dir: tmp.path, threshold: 1000, redactor: new Redactor(), now });
    await log.close();
    expect((await readdir(tmp.path)).sort()).toEqual(['0k-20261120-090000.log', 'open-20261120-100000.log']);
    expect(countLines(await readFile(path.join(tmp.path, '0k-20261120-090000.log'), 'utf8'))).toBe(
      countTokens(`${line(1)}\n${line(2)}\n`),
    );
  });

  it('numbers the files of one second after each other, past those already there, and keeps their order when the clock is set back', async () => {
    await writeFile(path.join(tmp.path, '0k-20261121-100000-2.log'), 'from an earlier run\n');
    const log = await TokenLog.open({ dir: tmp.path, threshold: 100, redactor: new Redactor(), now });
    for (let i = 0; i < 40; i++) {
      if (i === 20) clock -= 3_600_000;
      log.append(line(i));
    }
    await log.close();
    const names = (await readdir(tmp.path)).filter((n) => n !== '0k-20261121-100000-2.log');
    // Every file in the second the log started, numbered 1, then 3 onwards (2 was taken).
    const sequences = names
      .map((n) => /^(?:open|\d+k)-20261121-100000(?:-(\d+))?\.log$/.exec(n))
      .map((m) => (m ? Number(m[1] ?? 1) : NaN));
    expect(sequences.toSorted((a, b) => a - b)).toEqual([
      1,
      ...Array.from({ length: names.length - 1 }, (_, i) => i + 3),
    ]);
    expect(await readFile(path.join(tmp.path, '0k-20261121-100000-2.log'), 'utf8')).toBe('from an earlier run\n');
    const all = (await files(tmp.path)).filter((f) => !f.text.startsWith('from an earlier run'));
    expect(all.flatMap((f) => f.text.split('\n').filter(Boolean))).toEqual(
      Array.from({ length: 40 }, (_, i) => line(i)),
    );
  });
});
