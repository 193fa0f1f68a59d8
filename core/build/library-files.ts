// Parsed library files (TypeScript's lib.*.d.ts and the stack's node_modules) kept between
// programs. Every branch type-check, schema plan and compatibility check builds a new program
// over the same ~460 declaration files, and parsing them was most of each check's time (about
// 5 s of 7 s on the CI machine). A parsed and bound SourceFile is reused across programs the
// way TypeScript's own language service does (its DocumentRegistry): the checker keeps its state
// per program, not on the file.
import { statSync } from 'node:fs';
import path from 'node:path';
import type ts from 'typescript';
import { typescript } from './typescript.ts';

/** Kept while builds keep coming; an engine left idle gives the memory (tens of MB) back. */
const IDLE_MS = 5 * 60_000;

interface Kept {
  file: ts.SourceFile;
  /** The file as it was parsed: a reinstalled stack gives a new mtime or size. */
  stamp: string;
}

const kept = new Map<string, Kept>();
let idle: NodeJS.Timeout | undefined;

/** Files no branch writes: the compiler's own libs and installed packages (the stack is shared and read-only). */
export function isLibrary(fileName: string): boolean {
  return fileName.includes(`${path.sep}node_modules${path.sep}`) && /\.d\.[cm]?ts$/.test(fileName);
}

function stampOf(fileName: string): string | undefined {
  try {
    const stat = statSync(fileName);
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return undefined;
  }
}

/**
 * A compiler host for `options` whose library files come from the kept ones when unchanged.
 * Files of the branch itself are always read again.
 */
export function libraryCachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const ts = typescript();
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError, create) => {
    if (create || !isLibrary(fileName)) return read(fileName, language, onError, create);
    const settings = typeof language === 'object' ? language : { languageVersion: language };
    // What parsing depends on besides the text: a file parsed as CommonJS is not the ES module one.
    const key = `${fileName}\0${settings.languageVersion}\0${settings.impliedNodeFormat ?? ''}\0${settings.jsDocParsingMode ?? ''}`;
    const stamp = stampOf(fileName);
    const hit = kept.get(key);
    if (hit && stamp !== undefined && hit.stamp === stamp) return hit.file;
    const file = read(fileName, language, onError, create);
    if (file && stamp !== undefined) kept.set(key, { file, stamp });
    return file;
  };
  clearTimeout(idle);
  idle = setTimeout(() => kept.clear(), IDLE_MS).unref();
  return host;
}

/** How many parsed library files are kept (for tests). */
export function keptLibraryFiles(): number {
  return kept.size;
}
