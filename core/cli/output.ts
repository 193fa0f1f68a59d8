// How the CLI speaks: `--json` prints one JSON document on stdout and nothing else there;
// otherwise people get short text. Errors always go to stderr, naming what is at fault.
import { TRPCClientError } from '@trpc/client';
import { TRPCError } from '@trpc/server';
import type { ErrorKind } from '../errors/index.ts';
import { describeError, isBranchyardError } from '../errors/index.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** All of stdin (a password piped in); process.stdin by default. */
  readStdin?: () => Promise<string>;
}

export function printResult<T>(io: CliIo, json: boolean, value: T, human: (value: T) => string): void {
  io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : ensureNewline(human(value)));
}

export function printError(io: CliIo, json: boolean, error: unknown): void {
  const { kind, message } = unwrap(error);
  for (const line of message.split('\n')) io.stderr(`branchyard: ${line}\n`);
  if (json) io.stdout(`${JSON.stringify({ error: { kind, message } }, null, 2)}\n`);
}

/** Calls through the router wrap our errors in a TRPCError; the user wants ours. */
function unwrap(error: unknown): { kind: ErrorKind | 'InternalError'; message: string } {
  if (error instanceof TRPCClientError) {
    const kind = (error.data as { kind?: ErrorKind | null } | undefined)?.kind;
    return { kind: kind ?? (error.data?.code === 'BAD_REQUEST' ? 'InvalidInputError' : 'InternalError'), message: error.message };
  }
  const inner = error instanceof TRPCError && error.cause ? error.cause : error;
  if (isBranchyardError(inner)) return { kind: inner.kind, message: inner.message };
  return { kind: 'InternalError', message: describeError(inner) };
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
