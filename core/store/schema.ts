// Engine state: what the UI lists without reading files, and the audit trail of what the
// engine and agents did. Files in the workspace stay the source of truth for content (code,
// prompts, configs); these tables index them and record events.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const codebases = pgTable('codebases', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: createdAt(),
});

// `interrupted`: the engine stopped while the revision ran (found open at the next start); it can
// be resumed from its last completed turn, or `discarded`.
// `timed-out` is what `time-limit` was called before: older revisions still read.
export const REVISION_STATUSES = [
  'open',
  'needs-answer',
  'done',
  'failed',
  'over-budget',
  'turn-limit',
  'time-limit',
  'stuck',
  'timed-out',
  'interrupted',
  'discarded',
] as const;

export const devRevisions = pgTable(
  'dev_revisions',
  {
    id: serial('id').primaryKey(),
    codebaseId: integer('codebase_id')
      .notNull()
      .references(() => codebases.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    status: text('status', { enum: REVISION_STATUSES }).notNull().default('open'),
    parentBranch: integer('parent_branch'),
    branchNumber: integer('branch_number'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('dev_revisions_codebase_number').on(t.codebaseId, t.number)],
);

export const branches = pgTable(
  'branches',
  {
    id: serial('id').primaryKey(),
    codebaseId: integer('codebase_id')
      .notNull()
      .references(() => codebases.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    parentNumber: integer('parent_number'),
    commitId: text('commit_id').notNull(),
    authorKind: text('author_kind', { enum: ['agent', 'user'] }).notNull(),
    devRevisionId: integer('dev_revision_id').references(() => devRevisions.id, { onDelete: 'set null' }),
    status: text('status').notNull().default('created'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('branches_codebase_number').on(t.codebaseId, t.number),
    check('branches_number_positive', sql`${t.number} > 0`),
  ],
);

export const commits = pgTable(
  'commits',
  {
    id: serial('id').primaryKey(),
    codebaseId: integer('codebase_id')
      .notNull()
      .references(() => codebases.id, { onDelete: 'cascade' }),
    branchId: integer('branch_id').references(() => branches.id, { onDelete: 'cascade' }),
    sha: text('sha').notNull(),
    message: text('message').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('commits_codebase_sha').on(t.codebaseId, t.sha)],
);

export const prompts = pgTable('prompts', {
  id: serial('id').primaryKey(),
  devRevisionId: integer('dev_revision_id')
    .notNull()
    .references(() => devRevisions.id, { onDelete: 'cascade' }),
  /** `prompt` opens a revision; `answer` replies to the agent's follow-up questions. */
  kind: text('kind', { enum: ['prompt', 'answer'] }).notNull(),
  text: text('text').notNull(),
  createdAt: createdAt(),
});

export const responses = pgTable('responses', {
  id: serial('id').primaryKey(),
  devRevisionId: integer('dev_revision_id')
    .notNull()
    .references(() => devRevisions.id, { onDelete: 'cascade' }),
  kind: text('kind', { enum: ['questions', 'message', 'summary', 'error'] }).notNull(),
  text: text('text').notNull(),
  createdAt: createdAt(),
});

export const changes = pgTable(
  'changes',
  {
    id: serial('id').primaryKey(),
    branchId: integer('branch_id')
      .notNull()
      .references(() => branches.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    kind: text('kind', { enum: ['added', 'modified', 'deleted'] }).notNull(),
    linesAdded: integer('lines_added').notNull(),
    linesRemoved: integer('lines_removed').notNull(),
  },
  (t) => [uniqueIndex('changes_branch_path').on(t.branchId, t.path)],
);

// --- added by migration 0001: the audit log, the cost ledger and routing --------------------

export const agentActions = pgTable(
  'agent_actions',
  {
    id: serial('id').primaryKey(),
    devRevisionId: integer('dev_revision_id').references(() => devRevisions.id, { onDelete: 'set null' }),
    /** Who acted: `agent`, `user` or `engine`. */
    actor: text('actor', { enum: ['agent', 'user', 'engine'] }).notNull(),
    /** What was done, e.g. `tool:write_file`, `checks`, `promote`. */
    action: text('action').notNull(),
    payload: jsonb('payload').notNull().default({}),
    // Added by migration 0003, the audit trail (issue 22): which agent role acted, the tool it
    // called, a digest of the arguments (not the arguments: they may be whole files), how it
    // came out, and what it cost; all empty on rows written before.
    role: text('role', { enum: ['product-owner', 'developer'] }),
    tool: text('tool'),
    argsDigest: text('args_digest'),
    outcome: text('outcome'),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    costMicroUsd: bigint('cost_micro_usd', { mode: 'number' }).notNull().default(0),
    durationMs: integer('duration_ms'),
    createdAt: createdAt(),
  },
  (t) => [index('agent_actions_revision').on(t.devRevisionId)],
);

export const costLedger = pgTable(
  'cost_ledger',
  {
    id: serial('id').primaryKey(),
    devRevisionId: integer('dev_revision_id').references(() => devRevisions.id, { onDelete: 'set null' }),
    model: text('model').notNull(),
    promptTokens: integer('prompt_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    /** Money in millionths of a US dollar: sums stay exact, unlike floats. */
    costMicroUsd: bigint('cost_micro_usd', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('cost_ledger_revision').on(t.devRevisionId),
    index('cost_ledger_created').on(t.createdAt),
    check(
      'cost_ledger_non_negative',
      sql`${t.costMicroUsd} >= 0 and ${t.promptTokens} >= 0 and ${t.completionTokens} >= 0`,
    ),
  ],
);

export const gateways = pgTable('gateways', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  port: integer('port').notNull(),
  httpPort: integer('http_port'),
  protected: boolean('protected').notNull().default(false),
  createdAt: createdAt(),
});

export const routes = pgTable(
  'routes',
  {
    id: serial('id').primaryKey(),
    gatewayId: integer('gateway_id')
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    codebaseId: integer('codebase_id')
      .notNull()
      .references(() => codebases.id, { onDelete: 'cascade' }),
    branchNumber: integer('branch_number').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('routes_gateway_codebase').on(t.gatewayId, t.codebaseId)],
);

export const promotions = pgTable(
  'promotions',
  {
    id: serial('id').primaryKey(),
    gatewayId: integer('gateway_id')
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    codebaseId: integer('codebase_id')
      .notNull()
      .references(() => codebases.id, { onDelete: 'cascade' }),
    fromBranch: integer('from_branch'),
    toBranch: integer('to_branch').notNull(),
    actor: text('actor', { enum: ['agent', 'user', 'engine'] }).notNull(),
    /** Who exactly, e.g. `user:alice` or `engine (follows newest)`. */
    by: text('by'),
    createdAt: createdAt(),
  },
  (t) => [index('promotions_gateway_codebase').on(t.gatewayId, t.codebaseId)],
);

// --- added by migration 0003: GitHub issues as dev revisions (issue 22) ----------------------

/** Every webhook delivery accepted, by GitHub's X-GitHub-Delivery id: a replay is refused. */
export const githubDeliveries = pgTable('github_deliveries', {
  id: serial('id').primaryKey(),
  deliveryId: text('delivery_id').notNull().unique(),
  codebase: text('codebase').notNull(),
  event: text('event').notNull(),
  /** What the engine did with it, e.g. `opened revision 0003` or `ignored: unknown event`. */
  outcome: text('outcome').notNull().default(''),
  createdAt: createdAt(),
});

/** An issue that became a dev revision, and where the conversation on it stands. */
export const githubIssues = pgTable(
  'github_issues',
  {
    id: serial('id').primaryKey(),
    devRevisionId: integer('dev_revision_id')
      .notNull()
      .references(() => devRevisions.id, { onDelete: 'cascade' }),
    codebase: text('codebase').notNull(),
    /** owner/name */
    repository: text('repository').notNull(),
    issueNumber: integer('issue_number').notNull(),
    author: text('author').notNull(),
    /** The newest comment already read (polling starts after it). */
    lastCommentId: bigint('last_comment_id', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index('github_issues_repository_issue').on(t.repository, t.issueNumber),
    uniqueIndex('github_issues_revision').on(t.devRevisionId),
  ],
);
