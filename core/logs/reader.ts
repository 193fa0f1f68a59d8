// Reading a branch's logs from the logs repository: the files of each type with their token
// counts and times, one file, the last N tokens across files, and a search. Names from the
// outside are checked against the file-name pattern before any path is built from them.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';
import { countLineTokens, countTokens } from '../tokens/index.ts';
import { formatBranch, isValidName } from '../workspace/index.ts';
import type { LogFileName } from './file-names.ts';
import { compareLogNames, parseLogName } from './file-names.ts';
import type { LogType } from './log-types.ts';
import { isLogType, LOG_TYPES } from './log-types.ts';
import { countLines } from './token-log.ts';

export interface LogFileInfo {
  type: LogType;
  file: string;
  open: boolean;
  /** The open file's counted tokens; for a closed one, its name's thousands × 1000. */
  tokens: number;
  startedAt: string;
  bytes: number;
}

export function branchLogsFolder(logsRoot: string, codebase: string, branch: number): string {
  if (!isValidName(codebase)) throw new BranchyardError('InvalidInputError', `"${codebase}" is not a codebase name`);
  return path.join(logsRoot, 'codebases', codebase, 'branches', formatBranch(branch));
}

export function checkType(type: string): LogType {
  if (!isLogType(type))
    throw new BranchyardError('InvalidInputError', `log type "${type}" is not one of ${LOG_TYPES.join(', ')}`);
  return type;
}

/** The names of a type's files, oldest first, without opening any. */
async function logFileNames(folder: string, type: LogType): Promise<LogFileName[]> {
  return (await readdir(path.join(folder, type)).catch(() => [] as string[]))
    .map(parseLogName)
    .filter((n) => n !== undefined)
    .sort(compareLogNames);
}

/** The files of a branch, oldest first, per type. */
export async function listLogFiles(folder: string, type?: LogType): Promise<LogFileInfo[]> {
  const out: LogFileInfo[] = [];
  for (const t of type ? [type] : LOG_TYPES) {
    for (const name of await logFileNames(folder, t)) {
      const full = path.join(folder, t, name.name);
      const bytes = await stat(full).then(
        (s) => s.size,
        () => 0,
      );
      const tokens = name.open ? countLines(await readFile(full, 'utf8').catch(() => '')) : name.thousands! * 1000;
      out.push({ type: t, file: name.name, open: name.open, tokens, startedAt: name.startedAt.toISOString(), bytes });
    }
  }
  return out;
}

/** Which type's folder holds a file, when the reader did not say. */
export async function typeOfLogFile(folder: string, file: string): Promise<LogType> {
  checkFileName(file);
  const found: LogType[] = [];
  for (const type of LOG_TYPES)
    if (
      await stat(path.join(folder, type, file)).then(
        () => true,
        () => false,
      )
    )
      found.push(type);
  if (found.length === 1) return found[0]!;
  if (found.length === 0)
    throw new BranchyardError(
      'NotFoundError',
      `there is no log ${file} in this branch (the list of its logs names those there are)`,
    );
  throw new BranchyardError('InvalidInputError', `type: ${file} exists in ${found.join(' and ')}; say which`, {
    field: 'type',
  });
}

export function checkFileName(file: string): string {
  if (!parseLogName(file))
    throw new BranchyardError(
      'InvalidInputError',
      `"${file}" is not a log file name (expected <N>k-<YYYYMMDD>-<HHMMSS>.log or open-<YYYYMMDD>-<HHMMSS>.log)`,
    );
  return file;
}

export async function readLogFile(folder: string, type: LogType, file: string): Promise<string> {
  checkFileName(file);
  try {
    return await readFile(path.join(folder, type, file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new BranchyardError('NotFoundError', `there is no ${type} log ${file} (list them with --list)`);
    throw error;
  }
}

/** The last `tokens` tokens of a type's logs, across files, cut at a line boundary (whole lines only). */
export async function tailLogs(
  folder: string,
  type: LogType,
  tokens: number,
): Promise<{ text: string; tokens: number; files: string[] }> {
  const files = (await logFileNames(folder, type)).reverse();
  const lines: string[] = [];
  const used: string[] = [];
  let total = 0;
  for (const file of files) {
    const text = await readLogFile(folder, type, file.name).catch(() => '');
    const fileLines = text.split('\n').filter((l) => l !== '');
    let took = false;
    for (let i = fileLines.length - 1; i >= 0; i--) {
      const size = countLineTokens(fileLines[i]!);
      if (total + size > tokens) {
        // Nothing fits yet: give the end of the newest line rather than nothing.
        if (lines.length === 0) {
          lines.unshift(endOfLine(fileLines[i]!, tokens - 1));
          total += countLineTokens(lines[0]!);
          used.unshift(file.name);
        }
        return { text: lines.length ? `${lines.join('\n')}\n` : '', tokens: total, files: used };
      }
      lines.unshift(fileLines[i]!);
      total += size;
      took = true;
    }
    if (took) used.unshift(file.name);
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
export async function searchLogs(
  folder: string,
  query: string,
  options: { type?: LogType; limit?: number } = {},
): Promise<LogMatch[]> {
  if (query.trim() === '') throw new BranchyardError('InvalidInputError', 'the search text is empty');
  const needle = query.toLowerCase();
  const limit = options.limit ?? 200;
  const matches: LogMatch[] = [];
  const files: { type: LogType; file: string }[] = [];
  for (const type of options.type ? [options.type] : LOG_TYPES)
    for (const name of await logFileNames(folder, type)) files.push({ type, file: name.name });
  for (const file of files.reverse()) {
    const lines = (await readLogFile(folder, file.type, file.file).catch(() => '')).split('\n');
    for (let i = lines.length - 1; i >= 0 && matches.length < limit; i--) {
      if (lines[i]!.toLowerCase().includes(needle))
        matches.push({
          type: file.type,
          file: file.file,
          line: i + 1,
          text: lines[i]!.length > 2000 ? `${lines[i]!.slice(0, 2000)}…` : lines[i]!,
        });
    }
    if (matches.length >= limit) break;
  }
  return matches;
}

/** The longest end of a line that fits `max` tokens with its newline. */
function endOfLine(line: string, max: number): string {
  let length = Math.floor((line.length * max) / Math.max(1, countTokens(`${line}\n`)));
  while (length > 0 && countTokens(`${line.slice(line.length - length)}\n`) > max) length = Math.floor(length * 0.9);
  return line.slice(line.length - length);
}
