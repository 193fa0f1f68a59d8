// What the agent is told, in three levels, each counted with the tokenizer and cut to its
// budget from ai/config.json: global (shared-context/), codebase (context/*.md, its helpers,
// the parent branch's readme.md) and branch (context/env.json, flags.json, the parent's
// summary.md, the file tree, and the files the task most likely needs). Nothing here speaks of
// builds, containers, PM2 or gateways: the agent writes functions, validators, schema and tests.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CodebaseHandle } from '../git/index.ts';
import { formatBranch } from '../git/index.ts';
import { branchLogsFolder, tailLogs } from '../logs/index.ts';
import { countTokens, cutToTokens } from '../tokens/index.ts';
import type { AiConfig, WorkspacePaths } from '../workspace/index.ts';
import type { WorkingCopy } from './working-copy.ts';

export interface ContextLevel {
  name: 'global' | 'codebase' | 'branch';
  text: string;
  tokens: number;
  budget: number;
  /** Files left out or cut to stay in the budget. */
  cut: string[];
}

export const SYSTEM_PROMPT = `You are the developer of an API service written as plain TypeScript functions.

How the code is laid out:
- src/features/<feature>/controllers/*.ts: every exported function is one API route. Names starting with get, list, find or search answer GET; the others answer POST. A function takes at most one object argument (its fields are the request's input) and returns a JSON-serialisable value (or a Promise of one).
- src/features/<feature>/validators/*.ts: zod schemas for the inputs, named after the function (e.g. createNoteInput for createNote); models/ holds types, services/ the logic, queries/ the database access with drizzle-orm.
- src/schema/models/*.ts: this branch's copy of its shared database's schema (drizzle pg-core tables); src/config/db-config.ts names the database, and the service reaches it at process.env.DATABASE_URL. Other live branches use the same tables: add nullable columns or columns with defaults, and never drop or rename what they may read. The engine checks every schema change against those branches and the stored data before the user applies it. src/shared/ holds shared helpers; src/config/ settings.
- Only these packages can be imported: zod, drizzle-orm, pg and node: built-ins. Relative imports end in .ts.
- TypeScript is strict (noUncheckedIndexedAccess included).

How you work:
1. First decide whether the request is clear enough to build. If it is not, call ask_user with short, concrete questions, and write no code yet.
2. Read what exists (list_files, read_file, search_files) before changing it. Change existing files with edit_file (only the lines that change); write whole files only when they are new. Keep changes small and in the style of the code around them.
3. For every function you add, write a test beside it (<name>.test.ts, with node:test and node:assert/strict) that calls the function directly.
4. Run run_checks, fix every error it reports, and run it again until it passes.
5. Call finish with a short summary of what changed and why. If the checks fail then, you will get the errors and go on.`;

/** Files by how much they seem to matter to the prompt: words of the prompt in their path and text. */
async function rankFiles(copy: WorkingCopy, prompt: string): Promise<{ file: string; score: number }[]> {
  const words = [...new Set(prompt.toLowerCase().match(/[a-z][a-z0-9]{2,}/g) ?? [])].filter((w) => !STOP_WORDS.has(w));
  const ranked = [];
  for (const file of copy.files()) {
    if (!file.startsWith('src/')) continue;
    const text = ((await copy.read(file)) ?? '').toLowerCase();
    const lower = file.toLowerCase();
    let score = file.includes('/controllers/') ? 2 : file === 'src/app.ts' ? 1 : 0;
    for (const word of words) {
      const stem = word.replace(/(es|s)$/, '');
      if (lower.includes(stem)) score += 5;
      if (text.includes(stem)) score += 1;
    }
    ranked.push({ file, score });
  }
  return ranked.sort((a, b) => b.score - a.score || a.file.localeCompare(b.file));
}

const STOP_WORDS = new Set([
  'the',
  'and',
  'for',
  'with',
  'that',
  'this',
  'add',
  'make',
  'return',
  'returns',
  'should',
  'from',
  'into',
  'new',
  'route',
  'endpoint',
  'api',
  'function',
]);

const CUT_MARK = '\n… (cut)\n';

/**
 * Sections added in order while they fit the budget. One that does not fit is left out, or,
 * when enough room is left for a useful start of it, cut there and marked; smaller sections
 * after it may still fit.
 */
export function fillLevel(
  name: ContextLevel['name'],
  budget: number,
  sections: { title: string; body: string }[],
): ContextLevel {
  const parts: string[] = [];
  const cut: string[] = [];
  let tokens = 0;
  for (const section of sections) {
    const text = `## ${section.title}\n${section.body.trimEnd()}\n\n`;
    const size = countTokens(text);
    if (tokens + size <= budget) {
      parts.push(text);
      tokens += size;
      continue;
    }
    cut.push(section.title);
    const room = budget - tokens - countTokens(CUT_MARK) - 4;
    if (room >= 100) {
      const piece = `${cutToTokens(text, room).text}${CUT_MARK}\n`;
      parts.push(piece);
      tokens += countTokens(piece);
    }
  }
  // The joined text can count a token or two apart from the sum of its parts.
  const joined = parts.join('').trimEnd();
  const exact = countTokens(joined);
  return exact <= budget
    ? { name, text: joined, tokens: exact, budget, cut }
    : { name, text: cutToTokens(joined, budget).text, tokens: budget, budget, cut };
}

async function textFiles(dir: string, prefix = ''): Promise<{ file: string; text: string }[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true }).catch(() => []);
  const found: { file: string; text: string }[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const relative = path.posix.join(prefix, entry.name);
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) found.push(...(await textFiles(dir, relative)));
    else if (/\.(md|ts|txt|json)$/.test(entry.name))
      found.push({ file: relative, text: await readFile(path.join(dir, relative), 'utf8') });
  }
  return found;
}

/** Requests about something that goes wrong: the parent branch's recent logs are worth their tokens. */
const ABOUT_FAILURE =
  /\b(fix|error|errors|fail|fails|failing|failed|crash|crashes|bug|broken|exception|500|timeout|logs?)\b/i;

export async function assembleContext(options: {
  paths: WorkspacePaths;
  codebase: CodebaseHandle;
  copy: WorkingCopy;
  prompt: string;
  budget: AiConfig['context'];
  logsRoot?: string;
}): Promise<ContextLevel[]> {
  const { paths, codebase, copy, prompt, budget } = options;
  const global = fillLevel(
    'global',
    budget.globalTokens,
    (await textFiles(paths.sharedContext)).map((f) => ({ title: `shared-context/${f.file}`, body: f.text })),
  );

  const parentDir = codebase.paths.branch(formatBranch(copy.parent));
  const readme = await readFile(path.join(parentDir, 'readme.md'), 'utf8').catch(() => '');
  const codebaseSections = [
    ...(await textFiles(codebase.paths.context))
      .filter((f) => !f.file.endsWith('.json'))
      .map((f) => ({ title: `codebase context: ${f.file}`, body: f.text })),
    ...(readme.trim() ? [{ title: 'readme.md', body: readme }] : []),
  ];
  const codebaseLevel = fillLevel('codebase', budget.codebaseTokens, codebaseSections);

  const branchSections: { title: string; body: string }[] = [];
  for (const file of ['context/env.json', 'context/flags.json', 'summary.md']) {
    const text = await readFile(path.join(parentDir, file), 'utf8').catch(() => '');
    if (text.trim())
      branchSections.push({
        title:
          file === 'summary.md' ? `what the parent branch ${formatBranch(copy.parent)} changed (summary.md)` : file,
        body: text,
      });
  }
  if (options.logsRoot && ABOUT_FAILURE.test(prompt))
    branchSections.push(...(await recentLogs(options.logsRoot, codebase.paths.name, copy.parent, budget.branchTokens)));
  branchSections.push({ title: 'files of the working copy', body: copy.files().join('\n') });
  for (const { file, score } of await rankFiles(copy, prompt)) {
    if (score <= 0) continue;
    branchSections.push({ title: file, body: '```ts\n' + ((await copy.read(file)) ?? '') + '\n```' });
  }
  return [global, codebaseLevel, fillLevel('branch', budget.branchTokens, branchSections)];
}

/** The last tokens of the branch's output and requests, a quarter of the branch budget at most. */
async function recentLogs(
  logsRoot: string,
  codebase: string,
  branch: number,
  branchTokens: number,
): Promise<{ title: string; body: string }[]> {
  const folder = branchLogsFolder(logsRoot, codebase, branch);
  const sections: { title: string; body: string }[] = [];
  for (const [type, share, what] of [
    ['pm2', 0.18, 'output'],
    ['api-gateway', 0.07, 'requests'],
  ] as const) {
    const tail = await tailLogs(folder, type, Math.floor(branchTokens * share)).catch(() => undefined);
    if (tail?.text.trim())
      sections.push({
        title: `recent ${what} of branch ${formatBranch(branch)} (${type} logs, the last ${tail.tokens} tokens)`,
        body: '```\n' + tail.text + '```',
      });
  }
  return sections;
}

/** The first user message: the context levels, then the request. */
export function contextMessage(levels: ContextLevel[], prompts: { kind: string; text: string }[]): string {
  const context = levels
    .filter((l) => l.text.trim())
    .map((l) => `# ${l.name[0]!.toUpperCase()}${l.name.slice(1)} context\n\n${l.text}`)
    .join('\n\n');
  const request = prompts
    .map((p) => (p.kind === 'prompt' ? `Request:\n${p.text}` : `The user's answer:\n${p.text}`))
    .join('\n\n');
  return `${context}\n\n# The task\n\n${request}`;
}
