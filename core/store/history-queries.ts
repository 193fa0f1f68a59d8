// The index of branches and dev revisions in the engine state, so the UI lists them, their
// status and cost without reading files. The files under metadata/ stay the source of truth:
// every write here is an upsert, and replaying the files rebuilds the same rows.
import { and, asc, desc, eq, inArray, sum } from 'drizzle-orm';
import type { StateExecutor } from './queries.ts';
import { ensureCodebase } from './queries.ts';
import { branches, changes, commits, costLedger, devRevisions, prompts, responses } from './schema.ts';

export type RevisionStatus = (typeof devRevisions.$inferSelect)['status'];
export type PromptKind = (typeof prompts.$inferSelect)['kind'];
export type ResponseKind = (typeof responses.$inferSelect)['kind'];

export interface RevisionRowInput {
  codebase: string;
  number: number;
  status: RevisionStatus;
  parentBranch: number | null;
  branchNumber: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export async function upsertRevision(db: StateExecutor, input: RevisionRowInput): Promise<number> {
  const codebaseId = await ensureCodebase(db, input.codebase);
  const values = {
    codebaseId,
    number: input.number,
    status: input.status,
    parentBranch: input.parentBranch,
    branchNumber: input.branchNumber,
    createdAt: input.createdAt,
    updatedAt: input.updatedAt,
  };
  const [row] = await db
    .insert(devRevisions)
    .values(values)
    .onConflictDoUpdate({
      target: [devRevisions.codebaseId, devRevisions.number],
      set: { status: values.status, branchNumber: values.branchNumber, updatedAt: values.updatedAt },
    })
    .returning({ id: devRevisions.id });
  return row!.id;
}

export async function revisionId(db: StateExecutor, codebase: string, number: number): Promise<number | undefined> {
  const codebaseId = await ensureCodebase(db, codebase);
  const [row] = await db
    .select({ id: devRevisions.id })
    .from(devRevisions)
    .where(and(eq(devRevisions.codebaseId, codebaseId), eq(devRevisions.number, number)));
  return row?.id;
}

/** Replaces a revision's prompts and responses with the ones its files hold. */
export async function replaceConversation(
  db: StateExecutor,
  devRevisionId: number,
  entries: {
    prompts: { kind: PromptKind; text: string; at: Date }[];
    responses: { kind: ResponseKind; text: string; at: Date }[];
  },
): Promise<void> {
  await db.delete(prompts).where(eq(prompts.devRevisionId, devRevisionId));
  await db.delete(responses).where(eq(responses.devRevisionId, devRevisionId));
  if (entries.prompts.length)
    await db
      .insert(prompts)
      .values(entries.prompts.map((p) => ({ devRevisionId, kind: p.kind, text: p.text, createdAt: p.at })));
  if (entries.responses.length)
    await db
      .insert(responses)
      .values(entries.responses.map((r) => ({ devRevisionId, kind: r.kind, text: r.text, createdAt: r.at })));
}

export async function listRevisionRows(db: StateExecutor, codebase: string) {
  const codebaseId = await ensureCodebase(db, codebase);
  const rows = await db
    .select()
    .from(devRevisions)
    .where(eq(devRevisions.codebaseId, codebaseId))
    .orderBy(asc(devRevisions.number));
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [firstPrompts, costs] = await Promise.all([
    db
      .selectDistinctOn([prompts.devRevisionId], { devRevisionId: prompts.devRevisionId, text: prompts.text })
      .from(prompts)
      .where(inArray(prompts.devRevisionId, ids))
      .orderBy(prompts.devRevisionId, asc(prompts.id)),
    db
      .select({
        devRevisionId: costLedger.devRevisionId,
        total: sum(costLedger.costMicroUsd),
        promptTokens: sum(costLedger.promptTokens),
        completionTokens: sum(costLedger.completionTokens),
      })
      .from(costLedger)
      .where(inArray(costLedger.devRevisionId, ids))
      .groupBy(costLedger.devRevisionId),
  ]);
  const promptOf = new Map(firstPrompts.map((p) => [p.devRevisionId, p.text]));
  const costOf = new Map(
    costs.map((c) => [
      c.devRevisionId,
      {
        costMicroUsd: Number(c.total ?? 0),
        promptTokens: Number(c.promptTokens ?? 0),
        completionTokens: Number(c.completionTokens ?? 0),
      },
    ]),
  );
  return rows.map((r) => ({
    number: r.number,
    status: r.status,
    parentBranch: r.parentBranch,
    branchNumber: r.branchNumber,
    prompt: promptOf.get(r.id) ?? '',
    ...(costOf.get(r.id) ?? { costMicroUsd: 0, promptTokens: 0, completionTokens: 0 }),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }));
}

export async function revisionConversation(db: StateExecutor, devRevisionId: number) {
  const [p, r] = await Promise.all([
    db
      .select({ kind: prompts.kind, text: prompts.text, at: prompts.createdAt })
      .from(prompts)
      .where(eq(prompts.devRevisionId, devRevisionId))
      .orderBy(asc(prompts.id)),
    db
      .select({ kind: responses.kind, text: responses.text, at: responses.createdAt })
      .from(responses)
      .where(eq(responses.devRevisionId, devRevisionId))
      .orderBy(asc(responses.id)),
  ]);
  return { prompts: p, responses: r };
}

export interface BranchRowInput {
  codebase: string;
  number: number;
  parent: number | null;
  commit: string;
  author: 'agent' | 'user';
  devRevision: number | null;
  status: string;
  createdAt: Date;
  message: string;
  changes: { path: string; kind: 'added' | 'modified' | 'deleted'; linesAdded: number; linesRemoved: number }[];
}

/** Records a branch, its commit and its changed files; recording it again changes nothing. */
export async function upsertBranch(db: StateExecutor, input: BranchRowInput): Promise<void> {
  const codebaseId = await ensureCodebase(db, input.codebase);
  const devRevisionId =
    input.devRevision === null ? null : ((await revisionId(db, input.codebase, input.devRevision)) ?? null);
  const [row] = await db
    .insert(branches)
    .values({
      codebaseId,
      number: input.number,
      parentNumber: input.parent,
      commitId: input.commit,
      authorKind: input.author,
      devRevisionId,
      status: input.status,
      createdAt: input.createdAt,
    })
    .onConflictDoUpdate({
      target: [branches.codebaseId, branches.number],
      set: { status: input.status, devRevisionId },
    })
    .returning({ id: branches.id });
  const branchId = row!.id;
  await db
    .insert(commits)
    .values({ codebaseId, branchId, sha: input.commit, message: input.message, createdAt: input.createdAt })
    .onConflictDoNothing();
  if (input.changes.length) {
    await db
      .insert(changes)
      .values(input.changes.map((c) => ({ branchId, ...c })))
      .onConflictDoNothing();
  }
}

export async function listBranchRows(db: StateExecutor, codebase: string) {
  const codebaseId = await ensureCodebase(db, codebase);
  return db.select().from(branches).where(eq(branches.codebaseId, codebaseId)).orderBy(desc(branches.number));
}
