// The GitHub token and webhook secret: from the environment variable the connection names, or
// else from the OS keychain (libsecret's secret-tool on Linux, `security` on macOS), stored
// under service "branchyard" and account "<variable>:<owner/name>". Never from a file.
import { execFile } from 'node:child_process';
import { BranchyardError } from '../errors/index.ts';

export const KEYCHAIN_SERVICE = 'branchyard';

export async function readSecret(options: {
  env: NodeJS.ProcessEnv;
  variable: string;
  repository: string;
  what: string;
  keychain?: boolean;
}): Promise<string> {
  const fromEnv = options.env[options.variable];
  if (fromEnv) return fromEnv;
  const account = `${options.variable}:${options.repository}`;
  const fromKeychain = options.keychain === false ? undefined : await keychain(account);
  if (fromKeychain) return fromKeychain;
  throw new BranchyardError(
    'GithubError',
    `no ${options.what} for ${options.repository}: set ${options.variable} in the engine's environment, or store it in the OS keychain (service "${KEYCHAIN_SERVICE}", account "${account}")`,
  );
}

function keychain(account: string): Promise<string | undefined> {
  const [command, args] =
    process.platform === 'darwin'
      ? ['security', ['find-generic-password', '-s', KEYCHAIN_SERVICE, '-a', account, '-w']]
      : ['secret-tool', ['lookup', 'service', KEYCHAIN_SERVICE, 'account', account]];
  return new Promise((resolve) => {
    // A missing tool or entry is no error here: the caller says where the secret may be put.
    execFile(command, args, { timeout: 5000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim() || undefined),
    );
  });
}
