// Dev revisions: everything from a prompt until its branch is validated, kept in
// `metadata/dev-revisions/<NNNN>/`: prompt.md (the user's prompts and answers, with times),
// response.md (every response of the agent, with the role that gave it), branch-number (once the
// branch exists), refined.md (the product owner's refined request) and revision.json (status,
// parent, and the roles that took part with their models). The files are the record; the engine
// state mirrors them so the UI can list revisions, their status and cost without reading files.
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import { withFileLock } from '../locks/index.ts';
import type { AgentRole, PromptKind, ResponseKind, RevisionStatus, StateExecutor } from '../store/index.ts';
import { REVISION_STATUSES, replaceConversation, upsertRevision } from '../store/index.ts';
import type { CodebaseHandle } from '../git/index.ts';
import {
  commitToWorkspace,
  formatBranch,
  formatRevision,
  MAX_REVISION,
  removeStaging,
  REVISION_NAME,
  stagingFolder,
} from '../git/index.ts';

const AGENT_ROLES = ['product-owner', 'developer'] as const satisfies readonly AgentRole[];
/** The product owner's refined request, in the revision's folder. */
export const REFINED_FILE = 'refined.md';

// `roles` and `refined` came with the two roles (issue 22): a revision.json written before has
// neither and still reads.
const revisionInfoSchema = z
  .object({
    number: z.int().min(1).max(MAX_REVISION),
    parentBranch: z.int().min(1).nullable(),
    status: z.enum(REVISION_STATUSES),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    /** The roles that took part, in the order they first did, each with the model it used. */
    roles: z.array(z.object({ role: z.enum(AGENT_ROLES), model: z.string().min(1) }).strict()).optional(),
    /** Where the refined request is, relative to the revision's folder. */
    refined: z.literal(REFINED_FILE).optional(),
  })
  .strict();
export type RevisionInfo = z.infer<typeof revisionInfoSchema>;

export interface ConversationEntry<K extends string> {
  kind: K;
  text: string;
  at: Date;
  /** The role that gave a response; absent for the user's and the engine's own words. */
  role?: AgentRole;
}

export interface Revision {
  info: RevisionInfo;
  branch: number | null;
  prompts: ConversationEntry<PromptKind>[];
  responses: ConversationEntry<ResponseKind>[];
  dir: string;
}

interface RevisionContext {
  codebase: CodebaseHandle;
  /** The engine state to mirror into; without it only the files are written. */
  state?: StateExecutor | undefined;
  events?: EventBus | undefined;
  date?: Date | undefined;
}

export async function openRevision(
  options: RevisionContext & { prompt: string; parentBranch: number | null },
): Promise<Revision> {
  const { codebase } = options;
  const text = options.prompt.trim();
  if (!text) throw new BranchyardError('InvalidInputError', 'the prompt is empty: say what the codebase should do');
  const at = options.date ?? new Date();
  const number = await withRevisionLock(codebase, async () => {
    const numbers = await revisionNumbers(codebase);
    const next = (numbers.at(-1) ?? 0) + 1;
    if (next > MAX_REVISION)
      throw new BranchyardError(
        'InvalidInputError',
        `codebase ${codebase.paths.name} has used every revision number up to ${MAX_REVISION}`,
      );
    await removeStaging(codebase.workspace, codebase.paths.name, 'revision');
    const staging = await stagingFolder(codebase.workspace, codebase.paths.name, 'revision');
    try {
      await mkdir(staging, { recursive: true });
      const info: RevisionInfo = {
        number: next,
        parentBranch: options.parentBranch,
        status: 'open',
        createdAt: at.toISOString(),
        updatedAt: at.toISOString(),
      };
      await writeFile(path.join(staging, 'revision.json'), json(info));
      await writeFile(
        path.join(staging, 'prompt.md'),
        `# Dev revision ${formatRevision(next)} of ${codebase.paths.name}\n${entry('prompt', text, at)}`,
      );
      await writeFile(
        path.join(staging, 'response.md'),
        `# Responses in dev revision ${formatRevision(next)} of ${codebase.paths.name}\n`,
      );
      await rename(staging, codebase.paths.revision(formatRevision(next)));
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    return next;
  });
  return afterChange(options, number, `open dev revision ${formatRevision(number)}`);
}

/** Adds the user's answer to the agent's questions (or a further prompt) to prompt.md. */
export async function addPrompt(
  options: RevisionContext & { number: number; kind: PromptKind; text: string },
): Promise<Revision> {
  const text = options.text.trim();
  if (!text) throw new BranchyardError('InvalidInputError', `the ${options.kind} is empty`);
  await withRevisionLock(options.codebase, async () => {
    const dir = await revisionDir(options.codebase, options.number);
    await appendFile(path.join(dir, 'prompt.md'), entry(options.kind, text, options.date ?? new Date()));
  });
  await updateInfo(options, (info) => info);
  return afterChange(options, options.number, `${options.kind} in dev revision ${formatRevision(options.number)}`);
}

/** `role`: the agent's role that said it; none for the engine's own words (an error, an interruption). */
export async function addResponse(
  options: RevisionContext & { number: number; kind: ResponseKind; text: string; role?: AgentRole | undefined },
): Promise<Revision> {
  await withRevisionLock(options.codebase, async () => {
    const dir = await revisionDir(options.codebase, options.number);
    await appendFile(
      path.join(dir, 'response.md'),
      entry(options.kind, options.text.trim(), options.date ?? new Date(), options.role),
    );
  });
  await updateInfo(options, (info) => info);
  return afterChange(options, options.number, `response in dev revision ${formatRevision(options.number)}`);
}

export async function setRevisionStatus(
  options: RevisionContext & { number: number; status: RevisionStatus },
): Promise<Revision> {
  await updateInfo(options, (info) => ({ ...info, status: options.status }));
  return afterChange(options, options.number, `dev revision ${formatRevision(options.number)} is ${options.status}`);
}

/** Notes in revision.json that a role takes part with a model; a role already noted with that model changes nothing. */
export async function recordRole(
  options: RevisionContext & { number: number; role: AgentRole; model: string },
): Promise<Revision> {
  const known = (info: RevisionInfo) => info.roles?.some((r) => r.role === options.role && r.model === options.model);
  const current = await readRevision(options.codebase, options.number);
  if (known(current.info)) return current;
  await updateInfo(options, (info) =>
    known(info) ? info : { ...info, roles: [...(info.roles ?? []), { role: options.role, model: options.model }] },
  );
  return afterChange(
    options,
    options.number,
    `the ${options.role === 'product-owner' ? 'product owner' : 'developer'} (${options.model}) takes part in dev revision ${formatRevision(options.number)}`,
  );
}

/** Writes the product owner's refined request as refined.md, and says so in revision.json. */
export async function writeRefined(options: RevisionContext & { number: number; text: string }): Promise<Revision> {
  await withRevisionLock(options.codebase, async () => {
    const dir = await revisionDir(options.codebase, options.number);
    await writeFile(path.join(dir, REFINED_FILE), options.text);
  });
  await updateInfo(options, (info) => ({ ...info, refined: REFINED_FILE }));
  return afterChange(options, options.number, `refined request of dev revision ${formatRevision(options.number)}`);
}

/** Writes branch-number: the branch this revision produced. */
export async function linkRevisionBranch(
  options: RevisionContext & { number: number; branch: number },
): Promise<Revision> {
  await withRevisionLock(options.codebase, async () => {
    const dir = await revisionDir(options.codebase, options.number);
    await writeFile(path.join(dir, 'branch-number'), `${formatBranch(options.branch)}\n`);
  });
  await updateInfo(options, (info) => info);
  return afterChange(
    options,
    options.number,
    `dev revision ${formatRevision(options.number)} made branch ${formatBranch(options.branch)}`,
  );
}

export async function readRevision(codebase: CodebaseHandle, number: number): Promise<Revision> {
  const dir = await revisionDir(codebase, number);
  const relative = path.relative(codebase.workspace.root, dir);
  const [infoText, promptText, responseText, branchText] = await Promise.all(
    ['revision.json', 'prompt.md', 'response.md', 'branch-number'].map((f) =>
      readFile(path.join(dir, f), 'utf8').catch(() => undefined),
    ),
  );
  let info: RevisionInfo;
  try {
    info = revisionInfoSchema.parse(JSON.parse(infoText ?? ''));
  } catch (error) {
    throw new BranchyardError(
      'CorruptMetadataError',
      `${relative}/revision.json: ${infoText === undefined ? 'missing' : error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : 'not valid JSON'}`,
    );
  }
  const branch = branchText?.trim() ? Number(branchText.trim()) : null;
  return {
    info,
    branch: Number.isInteger(branch) && branch! > 0 ? branch : null,
    prompts: parseEntries(promptText ?? '', ['prompt', 'answer'] as const),
    responses: parseEntries(responseText ?? '', ['questions', 'message', 'summary', 'error'] as const),
    dir,
  };
}

export async function revisionNumbers(codebase: CodebaseHandle): Promise<number[]> {
  const names = await readdir(codebase.paths.revisionsDir).catch(() => [] as string[]);
  return names
    .filter((n) => REVISION_NAME.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Mirrors a revision's files into the engine state. */
export async function indexRevision(state: StateExecutor, codebase: CodebaseHandle, revision: Revision): Promise<void> {
  const id = await upsertRevision(state, {
    codebase: codebase.paths.name,
    number: revision.info.number,
    status: revision.info.status,
    parentBranch: revision.info.parentBranch,
    branchNumber: revision.branch,
    createdAt: new Date(revision.info.createdAt),
    updatedAt: new Date(revision.info.updatedAt),
  });
  await replaceConversation(state, id, { prompts: revision.prompts, responses: revision.responses });
}

async function afterChange(options: RevisionContext, number: number, message: string): Promise<Revision> {
  const { codebase } = options;
  const revision = await readRevision(codebase, number);
  if (options.state) await indexRevision(options.state, codebase, revision);
  await commitToWorkspace(codebase.workspace, [revision.dir], `${codebase.paths.name}: ${message}`);
  options.events?.emit('revision.updated', { codebase: codebase.paths.name, number, status: revision.info.status });
  return revision;
}

async function updateInfo(
  options: RevisionContext & { number: number },
  change: (info: RevisionInfo) => RevisionInfo,
): Promise<void> {
  await withRevisionLock(options.codebase, async () => {
    const current = await readRevision(options.codebase, options.number);
    const next = { ...change(current.info), updatedAt: (options.date ?? new Date()).toISOString() };
    const file = path.join(current.dir, 'revision.json');
    // Written beside and renamed over, so a crash never leaves half a file.
    await writeFile(`${file}.tmp`, json(next));
    await rename(`${file}.tmp`, file);
  });
}

async function revisionDir(codebase: CodebaseHandle, number: number): Promise<string> {
  const dir = codebase.paths.revision(formatRevision(number));
  const exists = await readdir(dir).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const newest = (await revisionNumbers(codebase)).at(-1);
    throw new BranchyardError(
      'NotFoundError',
      `dev revision ${formatRevision(number)} of codebase ${codebase.paths.name} does not exist${newest ? ` (its revisions run from 0001 to ${formatRevision(newest)})` : ' (it has none yet)'}`,
    );
  }
  return dir;
}

function withRevisionLock<T>(codebase: CodebaseHandle, work: () => Promise<T>): Promise<T> {
  return withFileLock(
    path.join(codebase.paths.gitdir, 'branchyard-revisions.lock'),
    { what: `dev revisions of ${codebase.paths.name}`, waitMs: 60_000 },
    work,
  );
}

// A response's heading may end with the role that gave it; headings written before roles have none.
const HEADING = /^## ([a-z-]+) · (\d{4}-\d{2}-\d{2}T[\d:.]+Z)(?: · (product-owner|developer))?$/;

function entry(kind: string, text: string, at: Date, role?: AgentRole): string {
  return `\n## ${kind} · ${at.toISOString()}${role ? ` · ${role}` : ''}\n\n${text}\n`;
}

function parseEntries<K extends string>(text: string, kinds: readonly K[]): ConversationEntry<K>[] {
  const entries: ConversationEntry<K>[] = [];
  let current: { kind: K; at: Date; role: AgentRole | undefined; lines: string[] } | undefined;
  const flush = () =>
    current &&
    entries.push({
      kind: current.kind,
      at: current.at,
      text: current.lines.join('\n').trim(),
      ...(current.role ? { role: current.role } : {}),
    });
  for (const line of text.split('\n')) {
    const match = HEADING.exec(line);
    if (match && (kinds as readonly string[]).includes(match[1]!)) {
      flush();
      current = { kind: match[1] as K, at: new Date(match[2]!), role: match[3] as AgentRole | undefined, lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  flush();
  return entries;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
