// The one tRPC instance. Errors keep their kind on the way out, so the UI and the CLI can show
// the engine's message as written and react to what kind of failure it was.
import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { ErrorKind } from '../errors/index.ts';
import { isBranchyardError } from '../errors/index.ts';
import type { EngineContext } from './context.ts';

/** How often a subscription tells its client the engine is there. */
export const HEARTBEAT_MS = 2_000;
/** How long a subscription's client waits without a heartbeat before it connects again. */
export const SILENCE_MS = 30_000;

const codeOfKind: Partial<Record<ErrorKind, TRPC_ERROR_CODE_KEY>> = {
  WorkspaceNotFoundError: 'NOT_FOUND',
  NotFoundError: 'NOT_FOUND',
  InvalidInputError: 'BAD_REQUEST',
  WorkspaceConfigError: 'UNPROCESSABLE_CONTENT',
  WorkspaceInitError: 'CONFLICT',
  StoreInUseError: 'CONFLICT',
  EngineNotRunningError: 'PRECONDITION_FAILED',
  RuntimeUnavailableError: 'PRECONDITION_FAILED',
  PromotionRefusedError: 'PRECONDITION_FAILED',
  AgentKeyMissingError: 'PRECONDITION_FAILED',
  SchemaCheckFailedError: 'PRECONDITION_FAILED',
  DatabaseError: 'SERVICE_UNAVAILABLE',
};

const t = initTRPC.context<EngineContext>().create({
  // Subscriptions (server-sent events) carry a heartbeat, so a client that hears nothing for a
  // while knows the engine stopped answering even when no socket was closed (a frozen engine).
  // The bound is generous: a type-check runs on the engine's own thread and holds it for seconds.
  sse: { ping: { enabled: true, intervalMs: HEARTBEAT_MS }, client: { reconnectAfterInactivityMs: SILENCE_MS } },
  errorFormatter({ shape, error }) {
    const kind = isBranchyardError(error.cause) ? error.cause.kind : null;
    // What the user can do about it, and the input at fault, for each transport to word its own way.
    const hint = isBranchyardError(error.cause) ? (error.cause.hint ?? null) : null;
    const field = isBranchyardError(error.cause) ? (error.cause.field ?? null) : null;
    return { ...shape, data: { ...shape.data, stack: undefined, kind, hint, field } };
  },
});

/** Turns a thrown BranchyardError into a TRPCError with a fitting code, keeping it as the cause. */
const typedErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isBranchyardError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: codeOfKind[cause.kind] ?? 'INTERNAL_SERVER_ERROR', message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const procedure = t.procedure.use(typedErrors);
export const createCallerFactory = t.createCallerFactory;
