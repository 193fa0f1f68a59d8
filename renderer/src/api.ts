// The renderer's client, inferred from the router's types: the contract is written once, in core.
// In the desktop window the preload provides the IPC link; in a browser it is HTTP to `serve`.
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { ipcLink } from 'trpc-electron/renderer';
import type { AppRouter } from '../../core/api/index.ts';

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

/** The engine's own words for a failure, as the UI shows them. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
