// One folder of token-sized log files (one branch, one log type). Lines are counted as they
// come, one at a time (never by re-reading a file); the open file is closed and renamed after
// its real token count as soon as the next line would pass the threshold. Writes go through a
// bounded queue: a source that prints faster than the disk takes it loses lines, never memory,
// and a line in the log then says how many. A write that fails (a full disk) is reported once
// and retried; the source keeps running. Killed mid-write, the folder loses at most the open
// file's last, partial line: it is cut off when the folder is opened again.
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rename, truncate } from 'node:fs/promises';
import path from 'node:path';
import { countLineTokens, countTokens } from '../tokens/index.ts';
import { closedName, compareLogNames, fileKey, openName, parseLogName } from './file-names.ts';
import type { Redactor } from './redact.ts';

export interface TokenLogOptions {
  dir: string;
  threshold: number;
  redactor: Redactor;
  /** Text waiting for the disk past which new lines are dropped (and counted). */
  maxQueueBytes?: number;
  now?: () => Date;
  /** Files written, created or renamed (absolute paths), for the logs repository's next commit. */
  onFiles?: (change: { written: string[]; removed: string[] }) => void;
  /** A write failed; called once per run of failures. */
  onError?: (error: Error) => void;
  /** Every line as it is taken, for readers that follow the log live. */
  onLine?: (line: string) => void;
}

type Op =
  | { kind: 'data'; text: string }
  | { kind: 'start'; name: string }
  | { kind: 'close'; name: string; tokens: number; startedAt: Date; sequence: number };

const RETRY_MS = 1000;
/** How long a line may wait for the ones after it before it is written. */
const WRITE_DELAY_MS = 20;

export class TokenLog {
  private current: { name: string; startedAt: Date; sequence: number; tokens: number } | null;
  /** The file the queued data at the head of the queue goes to (the current one may be newer). */
  private writing: string | null;
  private readonly ops: Op[] = [];
  private queuedBytes = 0;
  private dropped = 0;
  private handle: FileHandle | null = null;
  private draining: Promise<void> | null = null;
  /** A drain asked for a moment from now, so the lines of that moment go in one write. */
  private scheduled: NodeJS.Timeout | null = null;
  private failing = false;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  /** Start second and sequence of every file found in the folder when it was opened. */
  private readonly keys: Set<string>;
  /** The last file this log started: the next one in the same second takes a later sequence. */
  private lastStart = { at: 0, sequence: 0 };
  private readonly maxQueueBytes: number;
  private readonly now: () => Date;

  private constructor(
    private readonly options: TokenLogOptions,
    keys: Set<string>,
    current: TokenLog['current'],
  ) {
    this.keys = keys;
    this.current = current;
    this.writing = current?.name ?? null;
    this.maxQueueBytes = options.maxQueueBytes ?? 8 * 1024 * 1024;
    this.now = options.now ?? (() => new Date());
  }

  /** Opens the folder, finishing what an earlier run left: the open file goes on, cut back to its last whole line. */
  static async open(options: TokenLogOptions): Promise<TokenLog> {
    await mkdir(options.dir, { recursive: true });
    const parsed = (await readdir(options.dir)).map(parseLogName).filter((n) => n !== undefined);
    const keys = new Set(parsed.map((n) => fileKey(n.startedAt, n.sequence)));
    const opens = parsed.filter((n) => n.open).sort(compareLogNames);
    let current: TokenLog['current'] = null;
    for (const [index, file] of opens.entries()) {
      const full = path.join(options.dir, file.name);
      const text = await readFile(full, 'utf8');
      const whole = text.slice(0, text.lastIndexOf('\n') + 1);
      if (whole.length !== text.length) await truncate(full, Buffer.byteLength(whole));
      // Recovery only: the open file is at most one threshold of tokens.
      const tokens = countLines(whole);
      if (index === opens.length - 1)
        current = { name: file.name, startedAt: file.startedAt, sequence: file.sequence, tokens };
      else await rename(full, path.join(options.dir, closedName(tokens, file.startedAt, file.sequence)));
    }
    return new TokenLog(options, keys, current);
  }

  /** Bytes waiting for the disk: a source that can wait (a file being followed) waits while this is high. */
  get pending(): number {
    return this.queuedBytes;
  }

  /** Takes one line (without its newline); `redacted` when the caller has redacted it already. */
  append(line: string, redacted = false): void {
    if (this.closed) return;
    if (this.queuedBytes >= this.maxQueueBytes) {
      this.dropped += 1;
      return;
    }
    if (this.dropped > 0) {
      const count = this.dropped;
      this.dropped = 0;
      this.take(
        `${this.now().toISOString()} [branchyard] ${count} line${count === 1 ? ' was' : 's were'} dropped here: the output came faster than the disk took it`,
      );
    }
    const text = redacted ? line : this.options.redactor.redact(line);
    if (text.trim() === '') return; // blank lines carry nothing and would make counts depend on their neighbours
    this.take(text);
  }

  /** Waits until everything taken so far is on disk (or has failed to get there). */
  async flush(): Promise<void> {
    if (this.scheduled) {
      clearTimeout(this.scheduled);
      this.scheduled = null;
    }
    while (this.ops.length > 0 || this.draining) {
      if (this.failing && !this.draining) return;
      await (this.draining ?? this.drain());
    }
  }

  /** Writes what is queued and closes the file handle; the open file stays open for the next run. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
  }

  private take(text: string): void {
    for (const piece of pieces(text, this.options.threshold)) {
      if (!this.current) this.start();
      else if (this.current.tokens > 0 && this.current.tokens + piece.tokens > this.options.threshold) {
        this.ops.push({
          kind: 'close',
          name: this.current.name,
          tokens: this.current.tokens,
          startedAt: this.current.startedAt,
          sequence: this.current.sequence,
        });
        this.start();
      }
      this.current!.tokens += piece.tokens;
      this.ops.push({ kind: 'data', text: `${piece.text}\n` });
      this.queuedBytes += piece.text.length + 1;
      this.options.onLine?.(piece.text);
    }
    // The lines of a short moment go to the disk in one write: a busy gateway logs thousands a
    // second, and a write each would cost it more than the lines themselves.
    if (!this.draining && !this.failing && !this.scheduled) {
      this.scheduled = setTimeout(() => {
        this.scheduled = null;
        if (!this.draining && !this.failing) void this.drain();
      }, WRITE_DELAY_MS);
    }
  }

  private start(): void {
    // A clock set back does not take the names back: files keep their order.
    const startedAt = new Date(Math.max(Math.floor(this.now().getTime() / 1000) * 1000, this.lastStart.at));
    // No two files share a start second and sequence. A busy gateway starts dozens of files a
    // second: the search starts after this log's last one, not at 1, and remembers nothing more.
    let sequence = startedAt.getTime() === this.lastStart.at ? this.lastStart.sequence + 1 : 1;
    while (this.keys.has(fileKey(startedAt, sequence))) sequence += 1;
    this.lastStart = { at: startedAt.getTime(), sequence };
    const name = openName(startedAt, sequence);
    this.current = { name, startedAt, sequence, tokens: 0 };
    this.ops.push({ kind: 'start', name });
  }

  private drain(): Promise<void> {
    this.draining = (async () => {
      const written = new Set<string>();
      const removed: string[] = [];
      try {
        while (this.ops.length > 0) {
          const op = this.ops[0]!;
          if (op.kind === 'data') {
            // Everything queued for the same file goes in one write.
            let count = 0;
            let text = '';
            while (count < this.ops.length && this.ops[count]!.kind === 'data' && text.length < 1024 * 1024)
              text += (this.ops[count++] as { text: string }).text;
            this.handle ??= await open(this.writingPath(), 'a');
            await writeAll(this.handle, Buffer.from(text));
            this.ops.splice(0, count);
            this.queuedBytes -= text.length;
            written.add(this.writingPath());
          } else if (op.kind === 'start') {
            await this.handle?.close();
            this.handle = null;
            this.writing = op.name;
            this.handle = await open(this.writingPath(), 'a');
            this.ops.shift();
          } else {
            await this.handle?.close();
            this.handle = null;
            const closed = closedName(op.tokens, op.startedAt, op.sequence);
            await rename(path.join(this.options.dir, op.name), path.join(this.options.dir, closed));
            written.delete(path.join(this.options.dir, op.name));
            removed.push(path.join(this.options.dir, op.name));
            written.add(path.join(this.options.dir, closed));
            this.ops.shift();
          }
        }
        this.failing = false;
      } catch (error) {
        if (!this.failing) this.options.onError?.(error as Error);
        this.failing = true;
        // Opened again on the retry: the file may have moved, or its disk been replaced.
        await this.handle?.close().catch(() => undefined);
        this.handle = null;
        this.retry = setTimeout(() => {
          this.retry = null;
          if (!this.closed || this.ops.length > 0) void this.drain();
        }, RETRY_MS);
        this.retry.unref();
      } finally {
        this.draining = null;
        if (written.size > 0 || removed.length > 0) this.options.onFiles?.({ written: [...written], removed });
      }
    })();
    return this.draining;
  }

  private writingPath(): string {
    return path.join(this.options.dir, this.writing!);
  }
}

/** One buffer to a file opened for appending, however many writes the system needs. */
async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  for (let at = 0; at < buffer.length;) at += (await handle.write(buffer, at, buffer.length - at)).bytesWritten;
}

/** Lines longer than this are written as several lines of this length. */
export const WRAP_CHARS = 4096;

/**
 * A line as pieces that each fit the threshold with their newline: almost always the line
 * itself; a longer one is cut at character positions and each piece counted again.
 */
export function pieces(text: string, threshold: number): { text: string; tokens: number }[] {
  // BPE costs grow with the square of a run without spaces: long lines are wrapped first.
  if (text.length > WRAP_CHARS) {
    const out: { text: string; tokens: number }[] = [];
    for (let at = 0; at < text.length;) {
      const part = cut(text.slice(at), Math.min(WRAP_CHARS, text.length - at));
      out.push(...pieces(part, threshold));
      at += part.length;
    }
    return out;
  }
  const tokens = countLineTokens(text);
  if (tokens <= threshold) return [{ text, tokens }];
  const out: { text: string; tokens: number }[] = [];
  let rest = text;
  // Counts of the rest are estimated (BPE counts add up almost exactly at a cut) and checked at the end.
  let restTokens = tokens;
  for (;;) {
    if (restTokens <= threshold) {
      const real = countTokens(`${rest}\n`);
      if (real <= threshold) {
        if (rest.trim() !== '') out.push({ text: rest, tokens: real });
        return out;
      }
      restTokens = real;
    }
    let length = Math.max(1, Math.floor((rest.length * threshold * 0.95) / restTokens));
    let piece = countTokens(`${cut(rest, length)}\n`);
    while (piece > threshold && length > 1) {
      length = Math.max(1, Math.floor(length * 0.9));
      piece = countTokens(`${cut(rest, length)}\n`);
    }
    const head = cut(rest, length);
    out.push({ text: head, tokens: piece });
    rest = rest.slice(head.length);
    restTokens = Math.max(1, restTokens - piece + 2);
  }
}

/** The first `length` UTF-16 units, not splitting a surrogate pair. */
function cut(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 || length + 1 : length);
}

/** A file's tokens as the writer counts them: line by line, each with its newline. */
export function countLines(text: string): number {
  let total = 0;
  for (const line of text.split('\n')) if (line !== '') total += countLineTokens(line);
  return total;
}
