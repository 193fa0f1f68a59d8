// From bytes to log lines. Output is split at newlines; a line longer than MAX_LINE_BYTES is
// passed on in pieces (at a character boundary) so no line can hold memory without bound.
// Bytes that are not valid UTF-8 and control characters are kept, written as \xNN escapes, so
// a log file is always readable text and nothing the process printed is silently lost.
import { isUtf8 } from 'node:buffer';

export const MAX_LINE_BYTES = 256 * 1024;

export class LineSplitter {
  private rest: Buffer[] = [];
  private restBytes = 0;

  private continuing = false;

  /** `emit` gets each line, or piece of a long line (`continued` for every piece after its first). */
  constructor(private readonly emit: (line: Buffer, continued: boolean) => void) {}

  /** Bytes of a line not finished yet. */
  get pendingBytes(): number {
    return this.restBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      this.take(chunk.subarray(start, newline), true);
      start = newline + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start), false);
  }

  /** What is left without a newline (a process that exited mid-line). */
  end(): void {
    if (this.restBytes > 0) this.emitRest();
  }

  private take(part: Buffer, complete: boolean): void {
    if (this.restBytes + part.length <= MAX_LINE_BYTES) {
      if (part.length > 0) {
        this.rest.push(Buffer.from(part));
        this.restBytes += part.length;
      }
      if (complete) this.emitRest();
      return;
    }
    // Too long for one piece: pass on whole pieces, keep the tail.
    let joined = Buffer.concat([...this.rest, part]);
    this.rest = [];
    this.restBytes = 0;
    while (joined.length > MAX_LINE_BYTES) {
      const cut = charBoundary(joined, MAX_LINE_BYTES);
      this.emit(joined.subarray(0, cut), this.continuing);
      this.continuing = true;
      joined = joined.subarray(cut);
    }
    if (complete) {
      this.emit(joined, this.continuing);
      this.continuing = false;
    } else if (joined.length > 0) {
      this.rest = [Buffer.from(joined)];
      this.restBytes = joined.length;
    }
  }

  private emitRest(): void {
    const line = this.rest.length === 1 ? this.rest[0]! : Buffer.concat(this.rest);
    this.rest = [];
    this.restBytes = 0;
    this.emit(line, this.continuing);
    this.continuing = false;
  }
}

/** The last position at or before `at` that does not split a UTF-8 sequence. */
function charBoundary(buffer: Buffer, at: number): number {
  for (let i = at; i > at - 4 && i > 0; i--) if ((buffer[i]! & 0xc0) !== 0x80) return i;
  return at;
}

// Control characters are exactly what these match.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

/** A line of output as text: invalid UTF-8 and control characters escaped, a trailing CR dropped. */
export function lineText(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
  const body = bytes.subarray(0, end);
  const text = isUtf8(body) ? body.toString('utf8') : escapeInvalid(body);
  return HAS_CONTROL.test(text) ? text.replace(CONTROL, hexEscape) : text;
}

// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\x00-\x1f\x7f]/g;
// eslint-disable-next-line no-control-regex
const HAS_ANY_CONTROL = /[\x00-\x1f\x7f]/;

/** A field inside a line (a path, a user name): every control character escaped, newlines too. */
export function cleanField(text: string): string {
  return HAS_ANY_CONTROL.test(text) ? text.replace(ANY_CONTROL, hexEscape) : text;
}

/** The same for text that is already a string (terminal output). */
export function cleanText(text: string): string {
  const line = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
  return HAS_CONTROL.test(line) ? line.replace(CONTROL, hexEscape) : line;
}

function hexEscape(char: string): string {
  return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

function escapeInvalid(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      out += bytes.toString('utf8', i, i + length);
      i += length;
    } else {
      out += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}

/** The length of the valid UTF-8 sequence at `i`, or 0 (RFC 3629: no overlongs, no surrogates). */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
