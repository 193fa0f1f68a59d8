// The renderer's client, inferred from the router's types: the contract is written once, in core.
// In the desktop window the preload provides the IPC link; in a browser it is HTTP to `serve`.
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { ipcLink } from 'trpc-electron/renderer';
import type { AppRouter } from '../../core/api/index.ts';
import type { ErrorHint } from '../../core/errors/index.ts';
import { formatBranch } from './branch-number.ts';

export const inDesktopWindow = typeof (globalThis as { electronTRPC?: unknown }).electronTRPC !== 'undefined';

export const api = createTRPCClient<AppRouter>({
  links: inDesktopWindow
    ? [ipcLink<AppRouter>()]
    : [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: '/trpc' }),
          false: httpBatchLink({ url: '/trpc' }),
        }),
      ],
});

/** The engine's own words for a failure, as the UI shows them, with what to do in this window. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // An engine error carries its hint beside the message (core/api/trpc.ts), for each transport to word.
  const hint = (error as { data?: { hint?: ErrorHint | null } } | null)?.data?.hint;
  return hint ? `${message}${actionFor(hint)}` : message;
}

/** A hint, as the window says it: the action to take here, worded to follow the message it completes. */
export function actionFor(hint: ErrorHint): string {
  switch (hint.do) {
    case 'start-engine':
      return '; restart Branchyard to start it';
    case 'build':
      return `; build branch ${formatBranch(hint.branch)} of ${hint.codebase} and open its Problems tab for all of them`;
    case 'set-key':
      return `: set the key in Settings (or ${hint.keyEnv} in the engine's environment)`;
    case 'choose-workspace':
      return '; choose or create one in Workspaces';
    case 'init-workspace':
      return `; create one in ${hint.dir} from Workspaces`;
    case 'add-codebase':
      return '; add one in the Branches pane';
    case 'add-database':
      return "; add one to the workspace's databases";
    case 'answer':
      return '; answer its questions in the chat';
    case 'resume':
      return '; resume or discard it in the chat';
    case 'connect-github':
      return `; connect it to ${hint.repository} first`;
  }
}
