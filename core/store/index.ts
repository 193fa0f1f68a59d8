// Engine state: revisions, agent actions, the cost ledger, routes and promotions, kept in
// PostgreSQL through drizzle-orm: embedded PGlite by default, or a server by URL. Opening it
// migrates it; a second engine on the same embedded state is refused.
export type { OpenStoreOptions, StateDb, Store, StoreKind } from './open.ts';
export { DATABASE_URL_ENV, describeConnectError, MIGRATIONS_DIR, openStore, pgliteDataDir, redactUrl } from './open.ts';
export { openPgliteFolder } from './pglite.ts';
export type { Actor, AgentRole, AuditFields, CostEntry, StateExecutor } from './queries.ts';
export {
  currentRoutes,
  ensureCodebase,
  ensureGateway,
  listActions,
  listAudit,
  listCodebases,
  promote,
  listPromotions,
  promotionHistory,
  recordAction,
  recordCost,
  setRoute,
  spent,
} from './queries.ts';
export type { BranchRowInput, PromptKind, ResponseKind, RevisionRowInput, RevisionStatus } from './history-queries.ts';
export {
  listBranchRows,
  listRevisionRows,
  replaceConversation,
  revisionConversation,
  revisionId,
  upsertBranch,
  upsertRevision,
} from './history-queries.ts';
export * as tables from './schema.ts';
export { REVISION_STATUSES } from './schema.ts';
export type { IssueLink } from './github-queries.ts';
export {
  claimDelivery,
  codebaseIssues,
  issueRevisions,
  linkIssue,
  listDeliveries,
  noteDeliveryOutcome,
  releaseDelivery,
  revisionIssue,
  setLastComment,
} from './github-queries.ts';
