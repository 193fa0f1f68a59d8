// Turns zod issues and cross-file checks into one shape: file, field, reason. A user reads
// `gateways/staging.json: port: expected a number from 1 to 65535, got "abc"` and knows what to fix.
import type { z } from 'zod';
import { BranchyardError } from '../errors/index.ts';

export interface ConfigProblem {
  /** Path relative to the workspace root, with forward slashes. */
  file: string;
  /** Dotted field path inside the file; empty when the problem is the file itself. */
  field: string;
  reason: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.field ? `${problem.file}: ${problem.field}: ${problem.reason}` : `${problem.file}: ${problem.reason}`;
}

export class WorkspaceConfigError extends BranchyardError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super('WorkspaceConfigError', problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}

const SECRET_FIELD = /(key|secret|token|password|passwd|credential)/i;

export function problemsFromZod(file: string, error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const at = field ? `${field}.${key}` : key;
        const reason = SECRET_FIELD.test(key)
          ? 'secrets are never stored in the workspace; set it in the environment or the OS keychain and remove this field'
          : 'unknown field (check its spelling)';
        problems.push({ file, field: at, reason });
      }
      continue;
    }
    const input = inputAt(issue);
    const message = plainMessage(issue.message);
    // A wrong value under basicAuth may be a password typed where its hash belongs: never echo it.
    const reason =
      input === undefined
        ? `missing (${message})`
        : issue.path.includes('basicAuth')
          ? message
          : `${message}, got ${show(input)}`;
    problems.push({ file, field: field || '(top level)', reason });
  }
  return problems;
}

/**
 * The offending value. For a discriminated union zod reports the whole object at the
 * discriminator's path; the user wants the discriminator's value.
 */
function inputAt(issue: z.core.$ZodIssue): unknown {
  const input = (issue as { input?: unknown }).input;
  const key = issue.path.at(-1);
  if (input && typeof input === 'object' && !Array.isArray(input) && typeof key === 'string' && key in input) {
    return (input as Record<string, unknown>)[key];
  }
  return input;
}

/** zod's own wording ("Invalid input: expected string, received number") without its preamble. */
function plainMessage(message: string): string {
  const own = /^Invalid input: (expected [^,]+)/.exec(message);
  return own?.[1] ?? message;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
