// The tools any model sees: names and arguments exactly these (issue 6). Each answers with text
// the model can act on; a refusal, a malformed argument or an unknown tool is answered the same
// way and never ends the revision. `ask_user`, `finish` and `run_checks` are carried out by the
// dev flow, which knows about the user, the checks and the branch.
import type { LlmTool } from './llm/llm-client.ts';
import type { WorkingCopy } from './working-copy.ts';
import { checkPath, MAX_FILE_BYTES } from './working-copy.ts';
import { cutToTokens } from '../tokens/index.ts';
import { applyEdit } from './edit-text.ts';

export const TOOL_NAMES = [
  'list_files',
  'read_file',
  'write_file',
  'edit_file',
  'delete_file',
  'search_files',
  'run_checks',
  'ask_user',
  'finish',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

const MAX_READ_TOKENS = 12_000;
const MAX_HITS = 100;

const fn = (name: ToolName, description: string, properties: Record<string, unknown>, required: string[]): LlmTool => ({
  type: 'function',
  function: { name, description, parameters: { type: 'object', properties, required, additionalProperties: false } },
});

export const TOOLS: LlmTool[] = [
  fn(
    'list_files',
    'Lists the files of the working copy, or of one folder in it.',
    { path: { type: 'string', description: 'a folder relative to the working copy, e.g. src/features' } },
    [],
  ),
  fn('read_file', 'Reads one file of the working copy.', { path: { type: 'string' } }, ['path']),
  fn(
    'write_file',
    'Creates one file under src/ with the whole of its content (or replaces a file whole; to change part of a file, use edit_file).',
    { path: { type: 'string' }, content: { type: 'string' } },
    ['path', 'content'],
  ),
  fn(
    'edit_file',
    'Changes part of one file under src/: replaces old_text, which must occur exactly once in the file (include enough surrounding lines), with new_text.',
    {
      path: { type: 'string' },
      old_text: { type: 'string', description: 'the exact text to replace, as read_file shows it' },
      new_text: { type: 'string' },
    },
    ['path', 'old_text', 'new_text'],
  ),
  fn('delete_file', 'Deletes one file under src/.', { path: { type: 'string' } }, ['path']),
  fn(
    'search_files',
    'Finds lines containing a text (case-insensitive) in the working copy, or in one folder.',
    { query: { type: 'string' }, path: { type: 'string' } },
    ['query'],
  ),
  fn(
    'run_checks',
    'Type-checks the working copy and runs its tests (*.test.ts files using node:test), and reports every error with its file and line.',
    {},
    [],
  ),
  fn(
    'ask_user',
    'Asks the user questions when the request is unclear. Ends your turn until the user answers.',
    { questions: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    ['questions'],
  ),
  fn(
    'finish',
    'Says the work is done, with a short summary of what changed and why. The checks run again before the branch is made.',
    { summary: { type: 'string' } },
    ['summary'],
  ),
];

export type ToolOutcome =
  | { kind: 'answer'; ok: boolean; text: string }
  | { kind: 'ask'; questions: string[] }
  | { kind: 'finish'; summary: string }
  | { kind: 'checks' };

/** Parses the arguments and carries out the tools that only touch the working copy. */
export async function runTool(copy: WorkingCopy, name: string, rawArguments: string): Promise<ToolOutcome> {
  const refuse = (text: string): ToolOutcome => ({ kind: 'answer', ok: false, text: `Refused: ${text}` });
  if (!(TOOL_NAMES as readonly string[]).includes(name))
    return refuse(`there is no tool "${name}"; the tools are ${TOOL_NAMES.join(', ')}`);
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    args = parsed as Record<string, unknown>;
  } catch {
    return refuse(
      `the arguments of ${name} are not a JSON object (${rawArguments.slice(0, 200)}); send them as JSON, e.g. {"path": "src/app.ts"}`,
    );
  }
  switch (name as ToolName) {
    case 'list_files': {
      const where = args.path === undefined ? { ok: true as const, path: '' } : checkPath(args.path, 'read');
      if (!where.ok) return refuse(where.reason);
      const prefix = where.path ? `${where.path}/` : '';
      const files = copy.files().filter((f) => f.startsWith(prefix));
      if (files.length === 0) return refuse(`there are no files under "${where.path}"`);
      return { kind: 'answer', ok: true, text: files.join('\n') };
    }
    case 'read_file': {
      const file = checkPath(args.path, 'read');
      if (!file.ok) return refuse(file.reason);
      const content = await copy.read(file.path);
      if (content === undefined) return refuse(`there is no file ${file.path}; list_files shows what exists`);
      const cut = cutToTokens(content, MAX_READ_TOKENS);
      return {
        kind: 'answer',
        ok: true,
        text: cut.cut ? `${cut.text}\n… (cut at ${MAX_READ_TOKENS} tokens)` : content,
      };
    }
    case 'write_file': {
      const file = checkPath(args.path, 'write');
      if (!file.ok) return refuse(file.reason);
      if (typeof args.content !== 'string')
        return refuse('expected "content": the whole new text of the file, as a string');
      if (Buffer.byteLength(args.content) > MAX_FILE_BYTES)
        return refuse(`the content is over ${MAX_FILE_BYTES} bytes; split it into smaller files`);
      const existed = copy.has(file.path);
      await copy.write(file.path, args.content);
      return {
        kind: 'answer',
        ok: true,
        text: `${existed ? 'Replaced' : 'Created'} ${file.path} (${args.content.split('\n').length} lines).`,
      };
    }
    case 'edit_file': {
      const file = checkPath(args.path, 'write');
      if (!file.ok) return refuse(file.reason);
      if (typeof args.old_text !== 'string' || typeof args.new_text !== 'string')
        return refuse('expected "old_text" and "new_text": the exact text to replace and its replacement, as strings');
      const content = await copy.read(file.path);
      if (content === undefined) return refuse(`there is no file ${file.path}; create it with write_file`);
      const edited = applyEdit(content, args.old_text, args.new_text);
      if (!edited.ok) return refuse(`${file.path}: ${edited.reason}`);
      if (Buffer.byteLength(edited.content) > MAX_FILE_BYTES)
        return refuse(`the file would be over ${MAX_FILE_BYTES} bytes; split it into smaller files`);
      await copy.write(file.path, edited.content);
      return {
        kind: 'answer',
        ok: true,
        text: `Edited ${file.path} at line ${edited.line} (${args.old_text.split('\n').length} lines replaced by ${args.new_text.split('\n').length}).`,
      };
    }
    case 'delete_file': {
      const file = checkPath(args.path, 'write');
      if (!file.ok) return refuse(file.reason);
      if (!copy.has(file.path)) return refuse(`there is no file ${file.path}`);
      await copy.delete(file.path);
      return { kind: 'answer', ok: true, text: `Deleted ${file.path}.` };
    }
    case 'search_files': {
      if (typeof args.query !== 'string' || args.query === '') return refuse('expected "query": the text to find');
      const where = args.path === undefined ? { ok: true as const, path: '' } : checkPath(args.path, 'read');
      if (!where.ok) return refuse(where.reason);
      const needle = args.query.toLowerCase();
      const hits: string[] = [];
      for (const file of copy
        .files()
        .filter((f) => !where.path || f === where.path || f.startsWith(`${where.path}/`))) {
        const lines = ((await copy.read(file)) ?? '').split('\n');
        lines.forEach((line, i) => {
          if (hits.length < MAX_HITS && line.toLowerCase().includes(needle))
            hits.push(`${file}:${i + 1}: ${line.trim().slice(0, 200)}`);
        });
      }
      return {
        kind: 'answer',
        ok: true,
        text:
          hits.length === 0
            ? `No line contains "${args.query}".`
            : hits.join('\n') + (hits.length === MAX_HITS ? `\n… (first ${MAX_HITS} only)` : ''),
      };
    }
    case 'run_checks':
      return { kind: 'checks' };
    case 'ask_user': {
      const questions = Array.isArray(args.questions)
        ? args.questions.filter((q): q is string => typeof q === 'string' && q.trim() !== '')
        : [];
      if (questions.length === 0) return refuse('expected "questions": a list of at least one question, as strings');
      return { kind: 'ask', questions };
    }
    case 'finish': {
      if (typeof args.summary !== 'string' || args.summary.trim() === '')
        return refuse('expected "summary": what changed and why, in a few sentences');
      return { kind: 'finish', summary: args.summary.trim() };
    }
  }
}
