// Log file names. A closed file is `<N>k-<YYYYMMDD>-<HHMMSS>.log`: N its token count in thousands
// (rounded), the time (UTC) its first line was written. The file still being written is
// `open-<YYYYMMDD>-<HHMMSS>.log`. Names are checked before any path is built from them.

const CLOSED = /^(\d+)k-(\d{8})-(\d{6})(?:-(\d+))?\.log$/;
const OPEN = /^open-(\d{8})-(\d{6})(?:-(\d+))?\.log$/;

export interface LogFileName {
  name: string;
  open: boolean;
  /** From the name: thousands of tokens for a closed file; undefined for the open one. */
  thousands?: number;
  startedAt: Date;
  /** 1, or 2, 3, … for files started in the same second; kept when the open file is closed. */
  sequence: number;
}

export function stamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

const tail = (sequence: number) => (sequence > 1 ? `-${sequence}` : '');

export function openName(startedAt: Date, sequence = 1): string {
  return `open-${stamp(startedAt)}${tail(sequence)}.log`;
}

export function closedName(tokens: number, startedAt: Date, sequence = 1): string {
  return `${Math.round(tokens / 1000)}k-${stamp(startedAt)}${tail(sequence)}.log`;
}

/** What orders files and keeps them apart: the start second and the sequence. */
export function fileKey(startedAt: Date, sequence: number): string {
  return `${stamp(startedAt)}${tail(sequence)}`;
}

export function parseLogName(name: string): LogFileName | undefined {
  const closed = CLOSED.exec(name);
  if (closed)
    return {
      name,
      open: false,
      thousands: Number(closed[1]),
      startedAt: fromStamp(closed[2]!, closed[3]!),
      sequence: Number(closed[4] ?? 1),
    };
  const open = OPEN.exec(name);
  if (open) return { name, open: true, startedAt: fromStamp(open[1]!, open[2]!), sequence: Number(open[3] ?? 1) };
  return undefined;
}

function fromStamp(day: string, time: string): Date {
  return new Date(
    `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}Z`,
  );
}

/** Oldest first: by start second, then sequence. */
export function compareLogNames(a: LogFileName, b: LogFileName): number {
  return a.startedAt.getTime() - b.startedAt.getTime() || a.sequence - b.sequence || Number(a.open) - Number(b.open);
}
