// The CLI words an error's hint as the command to type (issue 18): core's message names no
// command, and what to do follows it on the same line of stderr.
import { describe, expect, it } from 'vitest';
import type { ErrorHint } from '../errors/index.ts';
import { BranchyardError } from '../errors/index.ts';
import type { CliIo } from './output.ts';
import { printError } from './output.ts';

function printed(error: unknown, json = false): { stderr: string; stdout: string } {
  const out = { stderr: '', stdout: '' };
  const io: CliIo = {
    stdout: (text) => (out.stdout += text),
    stderr: (text) => (out.stderr += text),
    cwd: '/',
    env: {},
  };
  printError(io, json, error);
  return out;
}

describe('printError', () => {
  it('words each hint as a command after the message', () => {
    const said: Array<[ErrorHint, string]> = [
      [{ do: 'start-engine' }, ': start it with `branchyard serve` in this workspace, then run this command again'],
      [{ do: 'build', codebase: 'users', branch: 7 }, '; run `branchyard build users 7` for all of them'],
      [{ do: 'init-workspace', dir: 'shop' }, '; create one with `branchyard init shop`'],
      [{ do: 'add-codebase' }, '; add one with `branchyard codebase add <name>`'],
      [{ do: 'add-database' }, '; add one with `branchyard db add`'],
      [{ do: 'answer', codebase: 'users', revision: 3 }, '; give it with `branchyard answer users 3 <text>`'],
      [
        { do: 'resume', codebase: 'users', revision: 3 },
        '; resume it from its last completed turn with `branchyard revision resume users 3`, or drop it with `branchyard revision discard users 3`',
      ],
      [
        { do: 'connect-github', codebase: 'users', repository: 'acme/users' },
        '; connect it with `branchyard github connect users acme/users`',
      ],
    ];
    for (const [hint, words] of said)
      expect(printed(new BranchyardError('InvalidInputError', 'it failed', { hint })).stderr).toBe(
        `branchyard: it failed${words}\n`,
      );
  });

  it("names the input at fault by the CLI's flag where the API's name differs", () => {
    const error = (message: string, field: string) => new BranchyardError('InvalidInputError', message, { field });
    expect(printed(error('postgresUrlEnv https://x: expected the name of a variable', 'postgresUrlEnv')).stderr).toBe(
      'branchyard: --postgres https://x: expected the name of a variable\n',
    );
    expect(printed(error('dir /tmp/x is empty', 'dir')).stderr).toBe('branchyard: --dir /tmp/x is empty\n');
    expect(printed(error('from: expected a branch number', 'from')).stderr).toBe(
      'branchyard: --from: expected a branch number\n',
    );
    // An input the CLI takes as an argument keeps its name.
    expect(printed(error('branch: expected a branch number', 'branch')).stderr).toBe(
      'branchyard: branch: expected a branch number\n',
    );
  });

  it('keeps the worded hint in the JSON document too, and the message alone when there is none', () => {
    const error = new BranchyardError('AgentKeyMissingError', 'no API key for https://x', {
      hint: { do: 'set-key', keyEnv: 'SHOP_KEY' },
    });
    expect(JSON.parse(printed(error, true).stdout)).toEqual({
      error: {
        kind: 'AgentKeyMissingError',
        message:
          "no API key for https://x: set SHOP_KEY in the environment (of `branchyard serve`, or of the command that sends the prompt), or store it in the desktop app's settings",
      },
    });
    expect(printed(new BranchyardError('NotFoundError', 'no such branch')).stderr).toBe('branchyard: no such branch\n');
  });
});
