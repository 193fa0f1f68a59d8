// The kinds of log a branch has, and how many tokens each kind's files hold.
export const LOG_TYPES = ['pm2', 'ttyd', 'api-gateway'] as const;
export type LogType = (typeof LOG_TYPES)[number];

export type LogThresholds = Record<LogType, number>;

/** Tokens per file: a pm2 file is a long read of output, a gateway file a short run of requests. */
export const DEFAULT_THRESHOLDS: LogThresholds = { pm2: 10_000, ttyd: 12_000, 'api-gateway': 5_000 };

export function isLogType(value: string): value is LogType {
  return (LOG_TYPES as readonly string[]).includes(value);
}
