// Reads one JSON config file of a workspace and validates it, turning every way it can be
// wrong (missing, empty, not JSON, wrong shape) into ConfigProblems that name the file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { ParseError, ParseErrorCode } from 'jsonc-parser';
import { parseTree, printParseErrorCode } from 'jsonc-parser';
import type { ConfigProblem } from './problems.ts';
import { problemsFromZod } from './problems.ts';

export type ReadResult<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

export async function readConfigFile<S extends z.ZodType>(
  root: string,
  file: string,
  schema: S,
): Promise<ReadResult<z.infer<S>>> {
  let text: string;
  try {
    text = await readFile(path.join(root, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'missing: a workspace needs this file (a fresh copy is in templates/workspace/)'
        : code === 'EISDIR'
          ? 'is a folder, expected a JSON file'
          : `cannot be read (${code ?? String(error)})`;
    return { ok: false, problems: [{ file, field: '', reason }] };
  }
  if (text.trim() === '')
    return { ok: false, problems: [{ file, field: '', reason: 'is empty, expected a JSON object' }] };

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ file, field: '', reason: `is not valid JSON: ${jsonErrorAt(text, error)}` }] };
  }
  const parsed = schema.safeParse(data, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: problemsFromZod(file, parsed.error) };
  return { ok: true, value: parsed.data };
}

/**
 * Where the JSON breaks, as a line and column. JSON.parse does not always say (Node 20 gives a
 * snippet, not a position), so a tolerant parser locates the first error.
 */
function jsonErrorAt(text: string, error: unknown): string {
  const errors: ParseError[] = [];
  parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const first = errors[0];
  if (!first) return error instanceof Error ? error.message : String(error);
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = first.offset - before.lastIndexOf('\n');
  return `${describeParseError(first.error)} at line ${line}, column ${column}`;
}

/** `ValueExpected` → `value expected`. */
function describeParseError(code: ParseErrorCode): string {
  return printParseErrorCode(code)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}
