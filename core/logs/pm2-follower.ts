// Follows what PM2 writes for every branch process (its out and err files in the codebase's
// run folder, which the container shares with the host) and passes it on line by line, with
// PM2's timestamp and the stream. Reading is pulled at the writer's pace: when the disk is
// slow the follower waits, and the files on disk are the buffer, so nothing is dropped. Where
// it got to in each file is kept across restarts of the engine.
import { mkdir, open, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkspacePaths } from '../workspace/index.ts';
import { LineSplitter, lineText } from './line-text.ts';

const FILE = /^([a-z][a-z0-9-]*)-(\d{5})\.(out|err)\.log$/;
const PM2_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?): /;
const CHUNK = 256 * 1024;

export interface Pm2Line {
  codebase: string;
  branch: number;
  line: string;
}

interface Followed {
  offset: number;
  splitter: LineSplitter;
}

export interface Pm2FollowerOptions {
  paths: WorkspacePaths;
  deliver: (line: Pm2Line) => void;
  /** Resolves when the writers can take more (they may be waiting for the disk). */
  ready: () => Promise<void>;
  /** Resolves when every line delivered so far is on disk: only then is the position kept. */
  settled: () => Promise<void>;
  intervalMs?: number;
}

export class Pm2Follower {
  private readonly files = new Map<string, Followed>();
  private offsets: Record<string, number> = {};
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: Pm2FollowerOptions) {}

  private get offsetsFile(): string {
    return path.join(this.options.paths.engineDir, 'logs', 'pm2-offsets.json');
  }

  async start(): Promise<void> {
    this.offsets = await readFile(this.offsetsFile, 'utf8').then(
      (text) => JSON.parse(text) as Record<string, number>,
      () => ({}),
    );
    this.schedule();
  }

  /** Reads everything written so far (tests, and before the engine stops). */
  async poll(): Promise<void> {
    while (this.polling) await this.polling;
    this.polling = this.readAll().finally(() => (this.polling = null));
    await this.polling;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.polling) await this.polling;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, this.options.intervalMs ?? 250);
    this.timer.unref();
  }

  private async readAll(): Promise<void> {
    const runDir = path.join(this.options.paths.engineDir, 'run');
    const codebases = await readdir(runDir).catch(() => [] as string[]);
    let moved = false;
    for (const codebase of codebases) {
      const dir = path.join(runDir, codebase, 'logs');
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const match = FILE.exec(name);
        if (!match || match[1] !== codebase) continue;
        moved =
          (await this.readNew(path.join(dir, name), codebase, Number(match[2]), match[3] as 'out' | 'err')) || moved;
      }
    }
    if (moved) {
      await this.options.settled();
      await this.saveOffsets();
    }
  }

  /** Passes on what was written to one file since it was last read; says whether anything was. */
  private async readNew(file: string, codebase: string, branch: number, stream: 'out' | 'err'): Promise<boolean> {
    const size = await stat(file).then(
      (s) => s.size,
      () => -1,
    );
    if (size < 0) return false;
    let followed = this.files.get(file);
    if (!followed) {
      // The pieces of a very long line after its first are passed on as they are.
      const splitter = new LineSplitter((bytes, continued) =>
        this.options.deliver({
          codebase,
          branch,
          line: continued ? lineText(bytes) : withStream(lineText(bytes), stream),
        }),
      );
      followed = { offset: this.offsets[file] ?? 0, splitter };
      this.files.set(file, followed);
    }
    // A file that shrank was cut or replaced: start it again.
    if (size < followed.offset) followed.offset = 0;
    if (size === followed.offset) return false;
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.allocUnsafe(CHUNK);
      while (followed.offset < size && !this.stopped) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, size - followed.offset), followed.offset);
        if (bytesRead === 0) break;
        followed.offset += bytesRead;
        followed.splitter.push(buffer.subarray(0, bytesRead));
        await this.options.ready();
      }
    } finally {
      await handle.close();
    }
    // Kept: up to the end of the last whole line passed on; a restart reads the rest again.
    this.offsets[file] = followed.offset - followed.splitter.pendingBytes;
    return true;
  }

  private async saveOffsets(): Promise<void> {
    await mkdir(path.dirname(this.offsetsFile), { recursive: true, mode: 0o700 });
    await writeFile(`${this.offsetsFile}.tmp`, JSON.stringify(this.offsets));
    await rename(`${this.offsetsFile}.tmp`, this.offsetsFile);
  }
}

/** `2026-11-21T21:16:01: listening` → `2026-11-21T21:16:01 [out] listening` */
function withStream(text: string, stream: 'out' | 'err'): string {
  const time = PM2_TIME.exec(text);
  return time
    ? `${time[1]} [${stream}] ${text.slice(time[0].length)}`
    : `${new Date().toISOString()} [${stream}] ${text}`;
}
