// GitHub issues as dev revisions (issue 22): the deliveries already taken (a replayed one is
// refused) and which issue each revision came from.
import { and, desc, eq } from 'drizzle-orm';
import type { StateExecutor } from './queries.ts';
import { devRevisions, githubDeliveries, githubIssues } from './schema.ts';

/** Records a delivery; false when its id was taken before (a replay, or GitHub's own redelivery). */
export async function claimDelivery(
  db: StateExecutor,
  delivery: { deliveryId: string; codebase: string; event: string },
): Promise<boolean> {
  const rows = await db
    .insert(githubDeliveries)
    .values(delivery)
    .onConflictDoNothing()
    .returning({ id: githubDeliveries.id });
  return rows.length === 1;
}

export async function noteDeliveryOutcome(db: StateExecutor, deliveryId: string, outcome: string): Promise<void> {
  await db.update(githubDeliveries).set({ outcome }).where(eq(githubDeliveries.deliveryId, deliveryId));
}

export function listDeliveries(db: StateExecutor, limit = 100) {
  return db.select().from(githubDeliveries).orderBy(desc(githubDeliveries.id)).limit(limit);
}

export interface IssueLink {
  devRevisionId: number;
  codebase: string;
  repository: string;
  issueNumber: number;
  author: string;
  lastCommentId?: number;
}

export async function linkIssue(db: StateExecutor, link: IssueLink): Promise<void> {
  await db.insert(githubIssues).values(link);
}

const linkColumns = {
  devRevisionId: githubIssues.devRevisionId,
  codebase: githubIssues.codebase,
  repository: githubIssues.repository,
  issueNumber: githubIssues.issueNumber,
  author: githubIssues.author,
  lastCommentId: githubIssues.lastCommentId,
  revision: devRevisions.number,
  status: devRevisions.status,
};

/** The revisions an issue opened, newest first, with their numbers and statuses. */
export function issueRevisions(db: StateExecutor, repository: string, issueNumber: number) {
  return db
    .select(linkColumns)
    .from(githubIssues)
    .innerJoin(devRevisions, eq(githubIssues.devRevisionId, devRevisions.id))
    .where(and(eq(githubIssues.repository, repository), eq(githubIssues.issueNumber, issueNumber)))
    .orderBy(desc(githubIssues.id));
}

/** The issue a revision came from, if any. */
export async function revisionIssue(db: StateExecutor, devRevisionId: number) {
  const [row] = await db
    .select(linkColumns)
    .from(githubIssues)
    .innerJoin(devRevisions, eq(githubIssues.devRevisionId, devRevisions.id))
    .where(eq(githubIssues.devRevisionId, devRevisionId));
  return row;
}

/** Every linked issue of a codebase, for polling. */
export function codebaseIssues(db: StateExecutor, codebase: string) {
  return db
    .select(linkColumns)
    .from(githubIssues)
    .innerJoin(devRevisions, eq(githubIssues.devRevisionId, devRevisions.id))
    .where(eq(githubIssues.codebase, codebase))
    .orderBy(desc(githubIssues.id));
}

export async function setLastComment(db: StateExecutor, devRevisionId: number, commentId: number): Promise<void> {
  await db.update(githubIssues).set({ lastCommentId: commentId }).where(eq(githubIssues.devRevisionId, devRevisionId));
}

/** Forgets a delivery whose handling failed, so GitHub's redelivery of it is taken. */
export async function releaseDelivery(db: StateExecutor, deliveryId: string): Promise<void> {
  await db.delete(githubDeliveries).where(eq(githubDeliveries.deliveryId, deliveryId));
}
