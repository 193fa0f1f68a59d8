// Unified diffs in git's own format (`diff --git`, index lines, function context in hunk
// headers, binary files as `GIT binary patch`), so `git apply` accepts them and they read the
// same as `git diff` between the two branches.
import { deflateSync } from 'node:zlib';
import { structuredPatch } from 'diff';
import type { TreeChange } from './tree-read.ts';

export interface FileDiff {
  path: string;
  kind: TreeChange['kind'];
  binary: boolean;
  linesAdded: number;
  linesRemoved: number;
  /** This file's part of the patch, headers included. */
  patch: string;
}

const ZERO = '0000000000000000000000000000000000000000';
const CONTEXT = 3;

export function fileDiff(change: TreeChange, before: Uint8Array | null, after: Uint8Array | null): FileDiff {
  const header = headerLines(change);
  const binary = isBinary(before) || isBinary(after);
  if (binary) {
    // git apply insists on full object ids before it applies a binary patch.
    const index = `index ${change.oldOid ?? ZERO}..${change.newOid ?? ZERO}${modeSuffix(change)}`;
    const body = ['GIT binary patch', ...literal(after), '', ...literal(before), ''];
    return {
      path: change.path,
      kind: change.kind,
      binary,
      linesAdded: 0,
      linesRemoved: 0,
      patch: `${[...header, index, ...body].join('\n')}\n`,
    };
  }

  const oldText = decode(before);
  const newText = decode(after);
  const index = `index ${short(change.oldOid)}..${short(change.newOid)}${modeSuffix(change)}`;
  const structured = structuredPatch('a', 'b', oldText, newText, undefined, undefined, { context: CONTEXT });
  const oldLines = oldText.split('\n');
  let linesAdded = 0;
  let linesRemoved = 0;
  const hunks: string[] = [];
  for (const hunk of structured.hunks) {
    const oldStart = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
    const newStart = hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart;
    const context = functionContext(oldLines, oldStart - 1);
    hunks.push(
      `@@ -${range(oldStart, hunk.oldLines)} +${range(newStart, hunk.newLines)} @@${context ? ` ${context}` : ''}`,
    );
    for (const line of hunk.lines) {
      if (line.startsWith('+')) linesAdded++;
      else if (line.startsWith('-')) linesRemoved++;
      hunks.push(line);
    }
  }
  const files =
    hunks.length === 0
      ? []
      : [
          change.kind === 'added' ? '--- /dev/null' : `--- a/${change.path}`,
          change.kind === 'deleted' ? '+++ /dev/null' : `+++ b/${change.path}`,
        ];
  const lines = [
    ...header,
    ...(hunks.length || change.oldMode === change.newMode || change.kind !== 'modified' ? [index] : []),
    ...files,
    ...hunks,
  ];
  return { path: change.path, kind: change.kind, binary, linesAdded, linesRemoved, patch: `${lines.join('\n')}\n` };
}

function headerLines(change: TreeChange): string[] {
  const lines = [`diff --git a/${change.path} b/${change.path}`];
  if (change.kind === 'added') lines.push(`new file mode ${change.newMode}`);
  else if (change.kind === 'deleted') lines.push(`deleted file mode ${change.oldMode}`);
  else if (change.oldMode !== change.newMode) lines.push(`old mode ${change.oldMode}`, `new mode ${change.newMode}`);
  return lines;
}

/** Modified files whose mode is unchanged carry it on the index line, as git prints it. */
function modeSuffix(change: TreeChange): string {
  return change.kind === 'modified' && change.oldMode === change.newMode ? ` ${change.newMode}` : '';
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

function short(oid: string | null): string {
  return (oid ?? ZERO).slice(0, 7);
}

/**
 * Git's default "function line" for a hunk header: the nearest line above the hunk that starts
 * with a letter, `_` or `$`, cut to 80 bytes with trailing blanks removed.
 */
function functionContext(oldLines: string[], beforeIndex: number): string {
  for (let i = beforeIndex - 1; i >= 0; i--) {
    const line = oldLines[i]!;
    if (/^[A-Za-z_$]/.test(line)) return Buffer.from(line).subarray(0, 80).toString().trimEnd();
  }
  return '';
}

function decode(bytes: Uint8Array | null): string {
  return bytes ? Buffer.from(bytes).toString('utf8') : '';
}

/** Git's test: a NUL byte in the first 8,000 bytes makes a file binary. */
export function isBinary(bytes: Uint8Array | null): boolean {
  if (!bytes) return false;
  return bytes.subarray(0, 8000).includes(0);
}

const BASE85 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';

/** A `literal` block of a git binary patch: the zlib-deflated content in git's base85 lines. */
function literal(bytes: Uint8Array | null): string[] {
  const raw = bytes ?? new Uint8Array();
  // Git deflates binary patches at its default core.compression, Z_BEST_SPEED; the same level gives the same bytes.
  const deflated = deflateSync(raw, { level: 1 });
  const lines = [`literal ${raw.length}`];
  for (let offset = 0; offset < deflated.length; offset += 52) {
    const chunk = deflated.subarray(offset, offset + 52);
    const length =
      chunk.length <= 26 ? String.fromCharCode(64 + chunk.length) : String.fromCharCode(96 + chunk.length - 26);
    lines.push(length + base85(chunk));
  }
  return lines;
}

function base85(chunk: Uint8Array): string {
  let out = '';
  for (let i = 0; i < chunk.length; i += 4) {
    let value = 0;
    for (let j = 0; j < 4; j++) value = value * 256 + (chunk[i + j] ?? 0);
    const digits: string[] = [];
    for (let k = 0; k < 5; k++) {
      digits.unshift(BASE85[value % 85]!);
      value = Math.floor(value / 85);
    }
    out += digits.join('');
  }
  return out;
}
