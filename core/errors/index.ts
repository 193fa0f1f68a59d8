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
  | 'SchemaCheckFailedError'
  | 'GithubError';

/**
 * What the user can do about an error, in the product's words. The message says what is wrong;
 * each transport words the hint its own way: the CLI as a command to type, the window as an
 * action to take.
 */
export type ErrorHint =
  /** The live engine (serve, or the desktop app) is needed for this. */
  | { do: 'start-engine' }
  /** All of a build's problems are in its own report. */
  | { do: 'build'; codebase: string; branch: number }
  /** The model's API key is missing: the environment variable the workspace reads it by. */
  | { do: 'set-key'; keyEnv: string }
  /** Another workspace is opened by naming its folder. */
  | { do: 'choose-workspace' }
  /** A folder that is not a workspace yet can become one. */
  | { do: 'init-workspace'; dir: string }
  /** The workspace has no codebase yet. */
  | { do: 'add-codebase' }
  /** The workspace has no shared database of that name. */
  | { do: 'add-database' }
  /** A dev revision waits for the user's answer to its questions. */
  | { do: 'answer'; codebase: string; revision: number }
  /** A dev revision the engine was stopped in goes on from its last completed turn, or is dropped. */
  | { do: 'resume'; codebase: string; revision: number }
  /** A codebase takes issues from a GitHub repository once connected to it. */
  | { do: 'connect-github'; codebase: string; repository: string };

export interface BranchyardErrorOptions {
  cause?: unknown;
  hint?: ErrorHint;
  /**
   * The input at fault when the message opens with its name, as the API names it (`from`, `dir`,
   * `postgresUrlEnv`): each transport may name it its own way (the CLI says its flag).
   */
  field?: string;
}

export class BranchyardError extends Error {
  readonly kind: ErrorKind;
  readonly hint: ErrorHint | undefined;
  readonly field: string | undefined;

  constructor(kind: ErrorKind, message: string, options?: BranchyardErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.name = kind;
    this.hint = options?.hint;
    this.field = options?.field;
  }
}

/** Runs work whose errors open with the name of one input, and marks them so (see `field`). */
export async function aboutField<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isBranchyardError(error) || error.field !== undefined || !error.message.startsWith(field)) throw error;
    throw new BranchyardError(error.kind, error.message, { cause: error.cause, hint: error.hint, field });
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
