// The window words an engine error's hint as an action to take in the window, never as a command
// of the CLI (issue 18): the hint travels beside the message, in the error's data.
import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import type { ErrorHint } from '../../core/errors/index.ts';
import { errorMessage } from './api.ts';

/** An error as the client receives it from the router: the message, and the kind and hint in its data. */
function engineError(message: string, hint: ErrorHint | null): TRPCClientError<never> {
  return TRPCClientError.from({
    error: {
      message,
      code: -32600,
      data: { code: 'BAD_REQUEST', httpStatus: 400, kind: 'InvalidInputError', hint },
    },
  });
}

describe('errorMessage', () => {
  it('shows the message as written when there is no hint', () => {
    expect(errorMessage(engineError('codebase "shop" does not exist', null))).toBe('codebase "shop" does not exist');
    expect(errorMessage(new Error('offline'))).toBe('offline');
    expect(errorMessage('plain')).toBe('plain');
  });

  it('words every hint as the window does, never as a command', () => {
    const said: Record<ErrorHint['do'], [ErrorHint, string]> = {
      'start-engine': [{ do: 'start-engine' }, 'needs the live engine; restart Branchyard to start it'],
      build: [
        { do: 'build', codebase: 'users', branch: 7 },
        'needs the live engine; build branch 00007 of users and open its Problems tab for all of them',
      ],
      'set-key': [
        { do: 'set-key', keyEnv: 'BRANCHYARD_AI_KEY' },
        "needs the live engine: set the key in Settings (or BRANCHYARD_AI_KEY in the engine's environment)",
      ],
      'choose-workspace': [{ do: 'choose-workspace' }, 'needs the live engine; choose or create one in Workspaces'],
      'init-workspace': [
        { do: 'init-workspace', dir: '/home/me/shop' },
        'needs the live engine; create one in /home/me/shop from Workspaces',
      ],
      'add-codebase': [{ do: 'add-codebase' }, 'needs the live engine; add one in the Branches pane'],
      'add-database': [{ do: 'add-database' }, "needs the live engine; add one to the workspace's databases"],
      answer: [
        { do: 'answer', codebase: 'users', revision: 3 },
        'needs the live engine; answer its questions in the chat',
      ],
      resume: [
        { do: 'resume', codebase: 'users', revision: 3 },
        'needs the live engine; resume or discard it in the chat',
      ],
      'connect-github': [
        { do: 'connect-github', codebase: 'users', repository: 'acme/users' },
        'needs the live engine; connect it to acme/users first',
      ],
    };
    for (const [hint, words] of Object.values(said)) {
      const shown = errorMessage(engineError('needs the live engine', hint));
      expect(shown).toBe(words);
      expect(shown).not.toMatch(/branchyard [a-z]|--[a-z]/);
    }
  });
});
