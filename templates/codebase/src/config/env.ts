// Settings read from the environment once, with defaults that work on a fresh machine.
export const env = {
  serviceName: process.env.SERVICE_NAME ?? 'service',
  /** Set by the runtime; local tools may leave it out. */
  databaseUrl: process.env.DATABASE_URL,
  logLevel: (process.env.LOG_LEVEL ?? 'info') as 'debug' | 'info' | 'warn' | 'error',
} as const;
