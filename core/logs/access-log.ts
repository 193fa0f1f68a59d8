// The gateways' access log: one line per request in the api-gateway files of the branch that
// served it (or of the gateway, for refusals that reached no codebase). Entries never hold
// credentials, cookies, bodies or query strings: the gateway gives the path only.

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
  /** Body bytes sent to the client. */
  bytes: number;
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

/**
 * `2026-11-21T21:16:01.123Z development GET /notes/list-notes 200 1.25ms 312B 127.0.0.1 proxied`.
 * `text` makes the fields a client chooses (path, user) or that may quote one (reason) safe to
 * write; the others are the gateway's own names, numbers, a method the HTTP parser checked, and
 * an address, so a line costs one pass over its short free fields instead of over all of it.
 */
export function formatAccessLine(entry: AccessLogEntry, text: (field: string) => string = (field) => field): string {
  let line = `${entry.at} ${entry.gateway} ${entry.method} ${text(entry.path)} ${entry.status} ${entry.durationMs}ms ${entry.bytes}B ${entry.client} ${entry.outcome}`;
  if (entry.reason) line += ` (${text(entry.reason)})`;
  if (entry.user) line += ` user=${text(entry.user)}`;
  return line;
}
