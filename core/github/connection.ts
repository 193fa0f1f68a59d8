// Which GitHub repository a codebase answers (issue 22): `codebases/<name>/github.json`, a
// config file like the others, validated on load. It names the environment variables that hold
// the token and the webhook secret, never the values: secrets live in the environment or the
// OS keychain, so nothing secret is ever committed with the workspace.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BranchyardError } from '../errors/index.ts';
import { commitToWorkspace } from '../git/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';
import { codebaseNames } from '../workspace/index.ts';

export const GITHUB_FILE = 'github.json';

const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name such as GITHUB_TOKEN' });
const label = z.string().min(1).max(50);

export const connectionSchema = z.strictObject({
  /** owner/name */
  repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: 'expected owner/name, e.g. acme/shop-api' }),
  /** The REST API's base URL: https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server. */
  apiUrl: z
    .url({ protocol: /^https?$/, error: 'expected the http(s) URL of the GitHub REST API' })
    .default('https://api.github.com'),
  tokenEnv: envName.default('GITHUB_TOKEN'),
  webhookSecretEnv: envName.default('BRANCHYARD_GITHUB_WEBHOOK_SECRET'),
  /** An issue opened with this label, or given it later, becomes a dev revision; null: every opened issue does. */
  triggerLabel: label.nullable().default('branchyard'),
  labels: z
    .strictObject({
      needsClarification: label.default('needs-clarification'),
      readyForDev: label.default('ready-for-dev'),
      done: label.default('done'),
      failed: label.default('failed'),
    })
    .default({
      needsClarification: 'needs-clarification',
      readyForDev: 'ready-for-dev',
      done: 'done',
      failed: 'failed',
    }),
  /** Seconds between polls, for a machine webhooks cannot reach; null: webhooks only. */
  pollSeconds: z
    .number()
    .int()
    .min(10, { error: 'expected at least 10 seconds (GitHub limits how often it may be asked)' })
    .nullable()
    .default(null),
});
export type GithubConnection = z.infer<typeof connectionSchema>;

export function connectionFile(paths: WorkspacePaths, codebase: string): string {
  return path.join(paths.codebase(codebase), GITHUB_FILE);
}

/** The codebase's connection, or undefined when it has none. A bad file is an error naming its field. */
export async function readConnection(paths: WorkspacePaths, codebase: string): Promise<GithubConnection | undefined> {
  const file = connectionFile(paths, codebase);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const where = path.relative(paths.root, file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new BranchyardError('WorkspaceConfigError', `${where}: not valid JSON`);
  }
  const parsed = connectionSchema.safeParse(raw);
  if (!parsed.success)
    throw new BranchyardError(
      'WorkspaceConfigError',
      parsed.error.issues.map((i) => `${where}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  return parsed.data;
}

/** Connects a codebase to a repository: the file written whole after validation, and committed. */
export async function connectRepository(
  paths: WorkspacePaths,
  codebase: string,
  input: z.input<typeof connectionSchema>,
): Promise<GithubConnection> {
  const checked = connectionSchema.safeParse(input);
  if (!checked.success)
    throw new BranchyardError(
      'InvalidInputError',
      checked.error.issues.map((i) => `${i.path.join('.') || 'connection'}: ${i.message}`).join('; '),
    );
  const file = connectionFile(paths, codebase);
  if (!(await codebaseNames(paths)).includes(codebase))
    throw new BranchyardError('NotFoundError', `there is no codebase ${codebase} in this workspace`);
  await writeFile(file, `${JSON.stringify(checked.data, null, 2)}\n`);
  await commitToWorkspace(paths, [file], `${codebase}: connected to GitHub ${checked.data.repository}`);
  return checked.data;
}
