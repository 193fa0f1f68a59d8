// Reading a branch's logs from the logs repository: the files of each type with their token
// counts and times, one file, the last N tokens across files, and a search. Names from the
// outside are checked against the file-name pattern before any path is built from them.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';
import { countTokens } from '../tokens/index.ts';
import { isValidName } from '../workspace/index.ts';
import { compareLogNames, parseLogName } from './file-names.ts';
import type { LogType } from './log-types.ts';
import { isLogType, LOG_TYPES } from './log-types.ts';

export interface LogFileInfo {
  type: LogType;
  file: string;
  open: boolean;
  /** The real count for the open file; for a closed one, its name's thousands × 1000 unless `exact`. */
  tokens: number;
  startedAt: string;
  bytes: number;
}

export function branchLogsFolder(logsRoot: string, codebase: string, branch: number): string {
  if (!isValidName(codebase)) throw new BranchyardError('InvalidInputError', `"${codebase}" is not a codebase name`);
  return path.join(logsRoot, 'codebases', codebase, 'branches', String(branch).padStart(5, '0'));
}

export function checkType(type: string): LogType {
  if (!isLogType(type)) throw new BranchyardError('InvalidInputError', `log type "${type}" is not one of ${LOG_TYPES.join(', ')}`);
  return type;
}

/** The files of a branch, oldest first, per type. */
export async function listLogFiles(folder: string, type?: LogType): Promise<LogFileInfo[]> {
  const out: LogFileInfo[] = [];
  for (const t of type ? [type] : LOG_TYPES) {
    const names = (await readdir(path.join(folder, t)).catch(() => [] as string[])).map(parseLogName).filter((n) => n !== undefined).sort(compareLogNames);
    for (const name of names) {
      const full = path.join(folder, t, name.name);
      const bytes = await stat(full).then((s) => s.size, () => 0);
      const tokens = name.open ? countLines(await readFile(full, 'utf8').catch(() => '')) : name.thousands! * 1000;
      out.push({ type: t, file: name.name, open: name.open, tokens, startedAt: name.startedAt.toISOString(), bytes });
    }
  }
  return out;
}

export function checkFileName(file: string): string {
  if (!parseLogName(file)) throw new BranchyardError('InvalidInputError', `"${file}" is not a log file name (expected <N>k-<YYYYMMDD>-<HHMMSS>.log or open-<YYYYMMDD>-<HHMMSS>.log)`);
  return file;
}

export async function readLogFile(folder: string, type: LogType, file: string): Promise<string> {
  checkFileName(file);
  try {
    return await readFile(path.join(folder, type, file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BranchyardError('NotFoundError', `there is no ${type} log ${file} (list them with --list)`);
    throw error;
  }
}

/** The last `tokens` tokens of a type's logs, across files, cut at a line boundary (whole lines only). */
export async function tailLogs(folder: string, type: LogType, tokens: number): Promise<{ text: string; tokens: number; files: string[] }> {
  const files = (await listLogFiles(folder, type)).reverse();
  const lines: string[] = [];
  const used: string[] = [];
  let total = 0;
  for (const file of files) {
    const text = await readLogFile(folder, type, file.file).catch(() => '');
    const fileLines = text.split('\n').filter((l) => l !== '');
    let took = false;
    for (let i = fileLines.length - 1; i >= 0; i--) {
      const size = countTokens(`${fileLines[i]}\n`);
      if (total + size > tokens) {
        // Nothing fits yet: give the end of the newest line rather than nothing.
        if (lines.length === 0) {
          lines.unshift(endOfLine(fileLines[i]!, tokens - 1));
          total += countTokens(`${lines[0]}\n`);
          used.unshift(file.file);
        }
        return { text: lines.length ? `${lines.join('\n')}\n` : '', tokens: total, files: used };
      }
      lines.unshift(fileLines[i]!);
      total += size;
      took = true;
    }
    if (took) used.unshift(file.file);
  }
  return { text: lines.length ? `${lines.join('\n')}\n` : '', tokens: total, files: used };
}

export interface LogMatch {
  type: LogType;
  file: string;
  line: number;
  text: string;
}

/** Lines that hold `query` (case-insensitive), newest files first, at most `limit`. */
export async function searchLogs(folder: string, query: string, options: { type?: LogType; limit?: number } = {}): Promise<LogMatch[]> {
  if (query.trim() === '') throw new BranchyardError('InvalidInputError', 'the search text is empty');
  const needle = query.toLowerCase();
  const limit = options.limit ?? 200;
  const matches: LogMatch[] = [];
  for (const file of (await listLogFiles(folder, options.type)).reverse()) {
    const lines = (await readLogFile(folder, file.type, file.file).catch(() => '')).split('\n');
    for (let i = lines.length - 1; i >= 0 && matches.length < limit; i--) {
      if (lines[i]!.toLowerCase().includes(needle)) matches.push({ type: file.type, file: file.file, line: i + 1, text: lines[i]!.length > 2000 ? `${lines[i]!.slice(0, 2000)}…` : lines[i]! });
    }
    if (matches.length >= limit) break;
  }
  return matches;
}

/** A file's tokens as the writer counted them: line by line, each with its newline. */
export function countLines(text: string): number {
  let total = 0;
  for (const line of text.split('\n')) if (line !== '') total += countTokens(`${line}\n`);
  return total;
}

/** The longest end of a line that fits `max` tokens with its newline. */
function endOfLine(line: string, max: number): string {
  let length = Math.floor((line.length * max) / Math.max(1, countTokens(`${line}\n`)));
  while (length > 0 && countTokens(`${line.slice(line.length - length)}\n`) > max) length = Math.floor(length * 0.9);
  return line.slice(line.length - length);
}
