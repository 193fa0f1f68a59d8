// The logs of a running engine: one TokenLog per branch and type, opened on first use, fed by
// PM2's output (followed from the run folders), the gateways (as their AccessLogSink) and the
// terminals; every file change goes to the logs repository's next batched commit. Readers that
// follow a log live are told each line as it is taken.
import type { EventBus } from '../events/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import type { Workspace } from '../workspace/index.ts';
import { readCodebaseSettings } from '../workspace/index.ts';
import type { AccessLogEntry, AccessLogSink } from './access-log.ts';
import { formatAccessLine } from './access-log.ts';
import { cleanField, cleanText } from './line-text.ts';
import type { LogThresholds, LogType } from './log-types.ts';
import { DEFAULT_THRESHOLDS, LOG_TYPES } from './log-types.ts';
import { LogsRepository } from './logs-repository.ts';
import { Pm2Follower } from './pm2-follower.ts';
import { Redactor } from './redact.ts';
import { TokenLog } from './token-log.ts';

export type LogTarget = { codebase: string; branch: number } | { gateway: string };

export interface LogServiceOptions {
  workspace: Workspace;
  /** Values never to write (the LLM key): redacted wherever they appear. */
  secrets?: (string | undefined)[];
  events?: EventBus;
  /** Follow PM2's output of every branch (the engine does; a lone gateway process does not). */
  followPm2?: boolean;
  commitIntervalMs?: number;
  /** Queue bound of each log, for tests of a source faster than the disk. */
  maxQueueBytes?: number;
}

/** Lines waiting for the disk past which a followed file is read no further until they are written. */
const FOLLOW_PAUSE_BYTES = 4 * 1024 * 1024;

export class LogService implements Disposable {
  private readonly logs = new Map<
    string,
    { log?: TokenLog; waiting: [string, boolean][]; opening: Promise<TokenLog | undefined> }
  >();
  private readonly listeners = new Map<string, Set<(line: string) => void>>();
  private readonly redactor: Redactor;
  private follower: Pm2Follower | null = null;
  private disposed = false;

  private constructor(
    private readonly options: LogServiceOptions,
    readonly repository: LogsRepository,
  ) {
    this.redactor = new Redactor(options.secrets ?? []);
  }

  static async open(options: LogServiceOptions): Promise<LogService> {
    const events = options.events;
    const repository = await LogsRepository.open({
      workspace: options.workspace.paths,
      repository: options.workspace.manifest.logsRepository,
      commitIntervalMs: options.commitIntervalMs,
      onError: (error) => events?.emit('logs.error', { where: 'logs repository', message: error.message }),
    });
    const service = new LogService(options, repository);
    if (options.followPm2) {
      service.follower = new Pm2Follower({
        paths: options.workspace.paths,
        deliver: ({ codebase, branch, line }) => service.append({ codebase, branch }, 'pm2', line),
        ready: () => service.whenBelow(FOLLOW_PAUSE_BYTES),
        settled: () => service.flushWriters(),
      });
      await service.follower.start();
    }
    return service;
  }

  /**
   * One line into a target's log of a type. Lines of a log still being opened wait (bounded) for
   * it. `redacted`: the caller has already redacted it.
   */
  append(target: LogTarget, type: LogType, line: string, redacted = false): void {
    if (this.disposed) return;
    const key = keyOf(target, type);
    let slot = this.logs.get(key);
    if (!slot) {
      const created: { log?: TokenLog; waiting: [string, boolean][]; opening: Promise<TokenLog | undefined> } = {
        waiting: [],
        opening: Promise.resolve(undefined),
      };
      created.opening = this.openLog(target, type, key).then(
        (log) => {
          created.log = log;
          for (const [waiting, done] of created.waiting.splice(0)) log.append(waiting, done);
          return log;
        },
        (error: Error) => {
          this.options.events?.emit('logs.error', { where: key, message: error.message });
          this.logs.delete(key);
          return undefined;
        },
      );
      this.logs.set(key, created);
      slot = created;
    }
    if (slot.log) slot.log.append(line, redacted);
    else if (slot.waiting.length < 10_000) slot.waiting.push([line, redacted]);
  }

  private readonly safeField = (field: string) => this.redactor.redact(cleanField(field));

  /** The gateways' sink: each request one line, in its branch's log (or its gateway's). */
  readonly accessLog: AccessLogSink = {
    write: (entry: AccessLogEntry) => {
      const target: LogTarget =
        entry.codebase !== undefined && entry.branch !== undefined
          ? { codebase: entry.codebase, branch: entry.branch }
          : { gateway: entry.gateway };
      this.append(target, 'api-gateway', formatAccessLine(entry, this.safeField), true);
    },
    // The gateways stop; the logs go on (the engine disposes them).
    close: () => this.flushWriters(),
  };

  /** A terminal session's output, as ttyd logs of the branch it runs in. */
  terminal(codebase: string, branch: number): { write: (text: string) => void } {
    let rest = '';
    return {
      write: (text) => {
        const lines = (rest + text).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines)
          this.append({ codebase, branch }, 'ttyd', `${new Date().toISOString()} ${cleanText(line)}`);
      },
    };
  }

  /** Calls `listener` with every line taken for a branch (all types, or one) until disposed. */
  follow(target: LogTarget, type: LogType | undefined, listener: (line: string, type: LogType) => void): Disposable {
    const types: readonly LogType[] = type ? [type] : LOG_TYPES;
    const added = types.map((t) => {
      const key = keyOf(target, t);
      const wrapped = (line: string) => listener(line, t);
      let set = this.listeners.get(key);
      if (!set) this.listeners.set(key, (set = new Set()));
      set.add(wrapped);
      return () => set.delete(wrapped);
    });
    return { dispose: () => added.forEach((remove) => remove()) };
  }

  /** Reads PM2's output so far and writes every line taken so far. */
  async flush(): Promise<void> {
    await this.follower?.poll();
    await this.flushWriters();
  }

  private async flushWriters(): Promise<void> {
    await Promise.all([...this.logs.values()].map(async (slot) => (await slot.opening)?.flush()));
  }

  /** Writes, commits and closes everything. */
  async dispose(): Promise<void> {
    await this.follower?.stop();
    await this.flush().catch(() => undefined);
    this.disposed = true;
    await Promise.all([...this.logs.values()].map(async (slot) => (await slot.opening)?.close()));
    this.logs.clear();
    await this.repository.close();
  }

  private async whenBelow(bytes: number): Promise<void> {
    for (const slot of this.logs.values()) if (slot.log && slot.log.pending > bytes) await slot.log.flush();
  }

  private async openLog(target: LogTarget, type: LogType, key: string): Promise<TokenLog> {
    const threshold = await this.threshold(target, type);
    const events = this.options.events;
    return TokenLog.open({
      dir:
        'gateway' in target
          ? this.repository.gatewayFolder(target.gateway)
          : this.repository.folder(target.codebase, target.branch, type),
      threshold,
      redactor: this.redactor,
      maxQueueBytes: this.options.maxQueueBytes,
      onFiles: (change) => this.repository.changed(change),
      onError: (error) =>
        events?.emit('logs.error', {
          where: key,
          message: `${error.message}; the lines wait in memory (up to a bound) and writing is retried`,
        }),
      onLine: (line) => this.listeners.get(key)?.forEach((listener) => listener(line)),
    });
  }

  private async threshold(target: LogTarget, type: LogType): Promise<number> {
    const workspace: Partial<LogThresholds> = this.options.workspace.manifest.logs?.tokens ?? {};
    const codebase: Partial<LogThresholds> =
      'codebase' in target
        ? ((await readCodebaseSettings(this.options.workspace.paths, target.codebase).catch(() => undefined))?.logs
            ?.tokens ?? {})
        : {};
    return codebase[type] ?? workspace[type] ?? DEFAULT_THRESHOLDS[type];
  }
}

function keyOf(target: LogTarget, type: LogType): string {
  return 'gateway' in target ? `gateway:${target.gateway}:${type}` : `${target.codebase}:${target.branch}:${type}`;
}
