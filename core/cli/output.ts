// How the CLI speaks: `--json` prints one JSON document on stdout and nothing else there;
// otherwise people get short text. Errors always go to stderr, naming what is at fault.
import { TRPCClientError } from '@trpc/client';
import { TRPCError } from '@trpc/server';
import type { ErrorHint, ErrorKind } from '../errors/index.ts';
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

/** The API's inputs that the CLI takes as flags of other names, as its errors name them. */
const FLAG_OF_FIELD: Record<string, string> = {
  from: '--from',
  against: '--against',
  dir: '--dir',
  postgresUrlEnv: '--postgres',
  type: '--type',
};

export function printError(io: CliIo, json: boolean, error: unknown): void {
  const { kind, message: written, hint, field } = unwrap(error);
  const flag = field === undefined ? undefined : FLAG_OF_FIELD[field];
  const said = flag && written.startsWith(field!) ? `${flag}${written.slice(field!.length)}` : written;
  const message = hint ? `${said}${commandFor(hint)}` : said;
  for (const line of message.split('\n')) io.stderr(`branchyard: ${line}\n`);
  if (json) io.stdout(`${JSON.stringify({ error: { kind, message } }, null, 2)}\n`);
}

/** A hint, as the command line says it: the command to type, worded to follow the message it completes. */
export function commandFor(hint: ErrorHint): string {
  switch (hint.do) {
    case 'start-engine':
      return ': start it with `branchyard serve` in this workspace, then run this command again';
    case 'build':
      return `; run \`branchyard build ${hint.codebase} ${hint.branch}\` for all of them`;
    case 'set-key':
      return `: set ${hint.keyEnv} in the environment (of \`branchyard serve\`, or of the command that sends the prompt), or store it in the desktop app's settings`;
    case 'choose-workspace':
      return '; pass --workspace <dir> or create one with `branchyard init <dir>`';
    case 'init-workspace':
      return `; create one with \`branchyard init ${hint.dir}\``;
    case 'add-codebase':
      return '; add one with `branchyard codebase add <name>`';
    case 'add-database':
      return '; add one with `branchyard db add`';
    case 'answer':
      return `; give it with \`branchyard answer ${hint.codebase} ${hint.revision} <text>\``;
    case 'resume':
      return `; resume it from its last completed turn with \`branchyard revision resume ${hint.codebase} ${hint.revision}\`, or drop it with \`branchyard revision discard ${hint.codebase} ${hint.revision}\``;
    case 'connect-github':
      return `; connect it with \`branchyard github connect ${hint.codebase} ${hint.repository}\``;
  }
}

interface Unwrapped {
  kind: ErrorKind | 'InternalError';
  message: string;
  hint: ErrorHint | undefined;
  field: string | undefined;
}

/** Calls through the router wrap our errors in a TRPCError; the user wants ours. */
function unwrap(error: unknown): Unwrapped {
  if (error instanceof TRPCClientError) {
    const data = error.data as
      { kind?: ErrorKind | null; hint?: ErrorHint | null; field?: string | null; code?: string } | undefined;
    return {
      kind: data?.kind ?? (data?.code === 'BAD_REQUEST' ? 'InvalidInputError' : 'InternalError'),
      message: error.message,
      hint: data?.hint ?? undefined,
      field: data?.field ?? undefined,
    };
  }
  const inner = error instanceof TRPCError && error.cause ? error.cause : error;
  if (isBranchyardError(inner))
    return { kind: inner.kind, message: inner.message, hint: inner.hint, field: inner.field };
  return { kind: 'InternalError', message: describeError(inner), hint: undefined, field: undefined };
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
