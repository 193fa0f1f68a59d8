// Errors are values with a kind and a message a user can act on (CONVENTIONS.md §11).
// They cross the router typed: the kind travels with the message, and every surface shows the
// message as written.

export type ErrorKind =
  | 'WorkspaceConfigError'
  | 'WorkspaceNotFoundError'
  | 'WorkspaceInitError'
  | 'StoreConnectionError'
  | 'StoreInUseError'
  | 'StoreMigrationError'
  | 'NotFoundError'
  | 'InvalidInputError'
  | 'LockTimeoutError'
  | 'CorruptMetadataError'
  | 'GitError'
  | 'RuntimeUnavailableError'
  | 'RuntimeError'
  | 'EngineNotRunningError'
  | 'GatewayError'
  | 'PromotionRefusedError'
  | 'LlmError'
  | 'AgentKeyMissingError'
  | 'DatabaseError'
  | 'SchemaCheckFailedError';

export class BranchyardError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = kind;
  }
}

export function isBranchyardError(error: unknown): error is BranchyardError {
  return error instanceof BranchyardError;
}

/** The message of anything thrown, without its stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
