// The audit trail of a revision (issue 22): every action of either role and of the engine, with
// the tool, a digest of its arguments (enough to tell two calls apart or match one to the
// transcript, without copying whole files into the engine state), the outcome, the tokens and
// money of each model call and how long each took. Listed oldest first, exported as JSONL.
import { createHash } from 'node:crypto';
import { BranchyardError } from '../errors/index.ts';
import { formatRevision } from '../git/index.ts';
import type { Actor, AgentRole, AuditFields, StateDb } from '../store/index.ts';
import { listAudit, recordAction, revisionId } from '../store/index.ts';

export function argsDigest(rawArguments: string): string {
  return `sha256:${createHash('sha256').update(rawArguments).digest('hex').slice(0, 16)}`;
}

export type AuditRecorder = (action: string, payload: unknown, actor?: Actor, fields?: AuditFields) => Promise<void>;

/** Records actions of one revision; an agent's action defaults to the role given. */
export function auditRecorder(db: StateDb, devRevisionId: number, role: () => AgentRole): AuditRecorder {
  return (action, payload, actor = 'agent', fields = {}) =>
    recordAction(db, {
      devRevisionId,
      actor,
      action,
      payload,
      ...(actor === 'agent' && fields.role === undefined ? { role: role() } : {}),
      ...fields,
    });
}

export interface AuditEntry {
  at: string;
  actor: Actor;
  role: AgentRole | null;
  action: string;
  tool: string | null;
  argsDigest: string | null;
  outcome: string | null;
  promptTokens: number;
  completionTokens: number;
  costMicroUsd: number;
  durationMs: number | null;
  // Optional: it crosses the router as JSON, where an unknown value may be absent.
  payload?: unknown;
}

export async function revisionAudit(db: StateDb, codebase: string, revision: number): Promise<AuditEntry[]> {
  const id = await revisionId(db, codebase, revision);
  if (id === undefined)
    throw new BranchyardError(
      'NotFoundError',
      `dev revision ${formatRevision(revision)} of ${codebase} is not in the engine state`,
    );
  return (await listAudit(db, id)).map((row) => ({
    at: row.createdAt.toISOString(),
    actor: row.actor,
    role: row.role,
    action: row.action,
    tool: row.tool,
    argsDigest: row.argsDigest,
    outcome: row.outcome,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    costMicroUsd: row.costMicroUsd,
    durationMs: row.durationMs,
    payload: row.payload,
  }));
}

/** One JSON object a line, oldest first. */
export function auditJsonl(entries: AuditEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length > 0 ? '\n' : '');
}
