// Log lines as table rows: escape codes stripped (a ttyd file is full of them, and they must
// never reach a prompt as context), the gateway's access lines split into their fields, and any
// other line's leading timestamp taken as its time.
import stripAnsi from 'strip-ansi';

export interface LogRow {
  /** Its place in the list, for React and for the virtual list. */
  n: number;
  type: string;
  time: string;
  method?: string;
  path?: string;
  status?: number;
  durationMs?: number;
  /** The rest of the line (the whole of it, for lines that are not access lines). */
  text: string;
}

/** `2026-11-21T21:16:01.123Z development GET /notes/list-notes 200 1.25ms 312B 127.0.0.1 proxied` (core/logs/access-log.ts). */
const ACCESS = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (\S+) ([A-Z]+) (\S+) (\d{3}) ([\d.]+)ms (.*)$/;
const STAMP = /^\[?(\d{4}-\d\d-\d\d[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)\]?:?\s*(.*)$/;

/** Clean text: the escape codes out, carriage-return redraws reduced to what was left on screen. */
export function cleanText(text: string): string {
  return stripAnsi(text)
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r', line.length - 2) + 1).replace(/\r$/, ''))
    .join('\n');
}

export function parseLine(type: string, raw: string, n: number): LogRow {
  const line = cleanText(raw);
  const access = ACCESS.exec(line);
  if (access)
    return {
      n,
      type,
      time: access[1]!,
      method: access[3],
      path: access[4],
      status: Number(access[5]),
      durationMs: Number(access[6]),
      text: `${access[2]} ${access[7]}`,
    };
  const stamped = STAMP.exec(line);
  if (stamped) return { n, type, time: stamped[1]!, text: stamped[2]! };
  return { n, type, time: '', text: line };
}

export function parseText(type: string, text: string, from = 0): LogRow[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => parseLine(type, line, from + i));
}

export type StatusFilter = 'all' | '2xx' | '3xx' | '4xx' | '5xx' | 'errors';

/** Rows whose text (any field) holds the query, and whose status is in the class chosen. */
export function filterRows(rows: LogRow[], query: string, status: StatusFilter): LogRow[] {
  const q = query.trim().toLowerCase();
  return rows.filter((r) => {
    if (status !== 'all') {
      if (r.status === undefined) return false;
      if (status === 'errors' ? r.status < 400 : Math.floor(r.status / 100) !== Number(status[0])) return false;
    }
    return !q || `${r.time} ${r.method ?? ''} ${r.path ?? ''} ${r.status ?? ''} ${r.text}`.toLowerCase().includes(q);
  });
}

/** A time as the table shows it: the clock only, the date when it is not today's. */
export function shortTime(time: string): string {
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d(?:\.\d{1,3})?)/.exec(time);
  if (!m) return time;
  return m[1] === new Date().toISOString().slice(0, 10) ? m[2]! : `${m[1]} ${m[2]}`;
}
