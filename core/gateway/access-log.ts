// Access logs. Each request a gateway handles is one entry; the logs layer (token-sized files,
// type `api-gateway`) will implement AccessLogSink. Until then entries are JSON lines in the
// branch's runtime log folder, and refusals that reach no branch go to the gateway's own file.
// Entries never hold credentials, cookies or query strings.
import { createWriteStream, mkdirSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import path from 'node:path';
import type { WorkspacePaths } from '../workspace/index.ts';

export interface AccessLogEntry {
  at: string;
  gateway: string;
  /** Absent for refusals that never reached a codebase (unknown host, malformed request). */
  codebase?: string;
  branch?: number;
  client: string;
  method: string;
  /** The path only: a query string may carry secrets. */
  path: string;
  status: number;
  durationMs: number;
  /** `proxied`, or why the gateway answered itself. */
  outcome: 'proxied' | 'refused' | 'unavailable' | 'error' | 'docs' | 'redirect';
  reason?: string;
  /** The basic-auth user that was let in (never a password). */
  user?: string;
}

export interface AccessLogSink {
  write(entry: AccessLogEntry): void;
  close(): Promise<void>;
}

/** One JSON line per request, per branch (`<codebase>-<NNNNN>.api-gateway.log`) or per gateway. */
export class JsonLinesAccessLog implements AccessLogSink {
  private readonly streams = new Map<string, WriteStream>();

  constructor(private readonly paths: WorkspacePaths) {}

  static fileFor(paths: WorkspacePaths, entry: Pick<AccessLogEntry, 'gateway' | 'codebase' | 'branch'>): string {
    if (entry.codebase && entry.branch !== undefined) {
      return path.join(paths.engineDir, 'run', entry.codebase, 'logs', `${entry.codebase}-${String(entry.branch).padStart(5, '0')}.api-gateway.log`);
    }
    return path.join(paths.engineDir, 'logs', `gateway-${entry.gateway}.log`);
  }

  write(entry: AccessLogEntry): void {
    const file = JsonLinesAccessLog.fileFor(this.paths, entry);
    let stream = this.streams.get(file);
    if (!stream) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
      // A full disk must not take the gateway down with it.
      stream.on('error', () => this.streams.delete(file));
      this.streams.set(file, stream);
    }
    stream.write(`${JSON.stringify(entry)}\n`);
  }

  async close(): Promise<void> {
    const streams = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(streams.map((s) => new Promise<void>((resolve) => s.end(() => resolve()))));
  }
}
