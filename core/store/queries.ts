// The engine's reads and writes of its state. Each takes the database or an open transaction,
// so callers compose several writes into one transaction and a crash leaves none of them.
import { and, desc, eq, gte, sql, sum } from 'drizzle-orm';
import type { StateDb } from './open.ts';
import { agentActions, codebases, costLedger, gateways, promotions, routes } from './schema.ts';

type Transaction = Parameters<Parameters<StateDb['transaction']>[0]>[0];
export type StateExecutor = StateDb | Transaction;
export type Actor = 'agent' | 'user' | 'engine';

/** The codebase's id, creating its row on first use. */
export async function ensureCodebase(db: StateExecutor, name: string): Promise<number> {
  const inserted = await db.insert(codebases).values({ name }).onConflictDoNothing().returning({ id: codebases.id });
  if (inserted[0]) return inserted[0].id;
  const [row] = await db.select({ id: codebases.id }).from(codebases).where(eq(codebases.name, name));
  if (!row) throw new Error(`codebase ${name} vanished while being registered`);
  return row.id;
}

export function listCodebases(db: StateExecutor) {
  return db.select().from(codebases).orderBy(codebases.name);
}

export type AgentRole = 'product-owner' | 'developer';

/** The audit trail's fields of an action (issue 22); each optional, for actions that have none. */
export interface AuditFields {
  role?: AgentRole | null;
  tool?: string | null;
  argsDigest?: string | null;
  outcome?: string | null;
  promptTokens?: number;
  completionTokens?: number;
  costMicroUsd?: number;
  durationMs?: number | null;
}

export async function recordAction(
  db: StateExecutor,
  action: { devRevisionId?: number | null; actor: Actor; action: string; payload?: unknown } & AuditFields,
): Promise<void> {
  const { devRevisionId, payload, ...rest } = action;
  await db.insert(agentActions).values({ ...rest, devRevisionId: devRevisionId ?? null, payload: payload ?? {} });
}

/** A revision's audit trail, oldest first. */
export function listAudit(db: StateExecutor, devRevisionId: number) {
  return db.select().from(agentActions).where(eq(agentActions.devRevisionId, devRevisionId)).orderBy(agentActions.id);
}

export function listActions(db: StateExecutor, options: { devRevisionId?: number; limit?: number } = {}) {
  const query = db.select().from(agentActions);
  const filtered =
    options.devRevisionId === undefined ? query : query.where(eq(agentActions.devRevisionId, options.devRevisionId));
  return filtered.orderBy(desc(agentActions.id)).limit(options.limit ?? 100);
}

export interface CostEntry {
  devRevisionId?: number | null;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costMicroUsd: number;
}

export async function recordCost(db: StateExecutor, entry: CostEntry): Promise<void> {
  await db.insert(costLedger).values({ ...entry, devRevisionId: entry.devRevisionId ?? null });
}

/** Money spent, in micro-USD, on one revision or since a moment (for the monthly budget). */
export async function spent(db: StateExecutor, scope: { devRevisionId: number } | { since: Date }): Promise<number> {
  const where =
    'devRevisionId' in scope
      ? eq(costLedger.devRevisionId, scope.devRevisionId)
      : gte(costLedger.createdAt, scope.since);
  const [row] = await db
    .select({ total: sum(costLedger.costMicroUsd) })
    .from(costLedger)
    .where(where);
  return Number(row?.total ?? 0);
}

export async function ensureGateway(
  db: StateExecutor,
  gateway: { name: string; port: number; httpPort: number | null; protected: boolean },
): Promise<number> {
  const [row] = await db
    .insert(gateways)
    .values(gateway)
    .onConflictDoUpdate({
      target: gateways.name,
      set: { port: gateway.port, httpPort: gateway.httpPort, protected: gateway.protected },
    })
    .returning({ id: gateways.id });
  if (!row) throw new Error(`gateway ${gateway.name} could not be registered`);
  return row.id;
}

export interface Promotion {
  gateway: string;
  codebase: string;
  from: number | null;
  to: number;
}

/**
 * Points a gateway at a branch of a codebase and records the promotion, in one transaction:
 * the route and its history never disagree, whatever stops the engine half-way. `from` is what
 * the gateway served before (its route, or the codebase's active branch); it defaults to the
 * route row.
 */
export async function promote(
  db: StateDb,
  input: {
    gatewayId: number;
    codebaseId: number;
    toBranch: number;
    actor: Actor;
    by?: string;
    from?: number | null;
    /** When it happened, if not now (a promotion recorded late, at recovery). */ at?: Date;
  },
): Promise<{ from: number | null; to: number }> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({ branch: routes.branchNumber })
      .from(routes)
      .where(and(eq(routes.gatewayId, input.gatewayId), eq(routes.codebaseId, input.codebaseId)))
      .for('update');
    const from = input.from !== undefined ? input.from : (current?.branch ?? null);
    await setRoute(tx, input);
    await tx.insert(promotions).values({
      gatewayId: input.gatewayId,
      codebaseId: input.codebaseId,
      fromBranch: from,
      toBranch: input.toBranch,
      actor: input.actor,
      by: input.by ?? null,
      ...(input.at ? { createdAt: input.at } : {}),
    });
    return { from, to: input.toBranch };
  });
}

/** The route alone, with no promotion recorded: how the engine state catches up with hand-edited gateway files. */
export async function setRoute(
  db: StateExecutor,
  input: { gatewayId: number; codebaseId: number; toBranch: number },
): Promise<void> {
  await db
    .insert(routes)
    .values({ gatewayId: input.gatewayId, codebaseId: input.codebaseId, branchNumber: input.toBranch })
    .onConflictDoUpdate({
      target: [routes.gatewayId, routes.codebaseId],
      set: { branchNumber: input.toBranch, updatedAt: sql`now()` },
    });
}

export function currentRoutes(db: StateExecutor) {
  return db
    .select({
      gateway: gateways.name,
      codebase: codebases.name,
      branch: routes.branchNumber,
      updatedAt: routes.updatedAt,
    })
    .from(routes)
    .innerJoin(gateways, eq(routes.gatewayId, gateways.id))
    .innerJoin(codebases, eq(routes.codebaseId, codebases.id))
    .orderBy(gateways.name, codebases.name);
}

export function promotionHistory(db: StateExecutor, gatewayId: number) {
  return db.select().from(promotions).where(eq(promotions.gatewayId, gatewayId)).orderBy(desc(promotions.id));
}

/** Every promotion, newest first, with gateway and codebase names. */
export function listPromotions(
  db: StateExecutor,
  filter: { gateway?: string; codebase?: string; limit?: number } = {},
) {
  const conditions = [
    filter.gateway ? eq(gateways.name, filter.gateway) : undefined,
    filter.codebase ? eq(codebases.name, filter.codebase) : undefined,
  ].filter((c) => c !== undefined);
  return db
    .select({
      gateway: gateways.name,
      codebase: codebases.name,
      from: promotions.fromBranch,
      to: promotions.toBranch,
      actor: promotions.actor,
      by: promotions.by,
      at: promotions.createdAt,
    })
    .from(promotions)
    .innerJoin(gateways, eq(promotions.gatewayId, gateways.id))
    .innerJoin(codebases, eq(promotions.codebaseId, codebases.id))
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(promotions.id))
    .limit(filter.limit ?? 100);
}
