// `branchyard gateway password`: sets a basic-auth user on a gateway (or one codebase on it),
// storing only the scrypt hash in the gateway file.
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';
import { commitToWorkspace } from '../git/index.ts';
import type { Workspace } from '../workspace/index.ts';
import { editJsonFile } from './gateway-file.ts';
import { unknownGateway } from './manager.ts';
import { hashPassword } from './passwords.ts';

export async function setGatewayPassword(
  workspace: Workspace,
  options: { gateway: string; user: string; password: string; codebase?: string },
): Promise<{ file: string }> {
  const entry = workspace.gateways.find((g) => g.name === options.gateway);
  if (!entry)
    throw unknownGateway(
      options.gateway,
      workspace.gateways.map((g) => g.name),
    );
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(options.user))
    throw new BranchyardError(
      'InvalidInputError',
      `user name "${options.user}" is not valid: use letters, digits, dots, dashes and underscores (no colon)`,
    );
  if (options.password.length < 8)
    throw new BranchyardError('InvalidInputError', 'the password is shorter than 8 characters');
  const base = options.codebase ? ['codebases', options.codebase, 'access'] : ['access'];
  const existing = options.codebase
    ? entry.config.codebases?.[options.codebase]?.access.basicAuth
    : entry.config.access.basicAuth;
  const file = path.join(workspace.paths.root, entry.file);
  const hash = await hashPassword(options.password);
  await editJsonFile(
    file,
    workspace.paths.stagingDir,
    existing
      ? [[[...base, 'basicAuth', 'users', options.user], hash]]
      : [[[...base, 'basicAuth'], { users: { [options.user]: hash } }]],
  );
  await commitToWorkspace(
    workspace.paths,
    [file],
    `Set basic-auth user ${options.user} on ${options.gateway}${options.codebase ? ` for ${options.codebase}` : ''}`,
  );
  return { file: entry.file };
}
