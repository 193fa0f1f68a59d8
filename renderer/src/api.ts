// The renderer's client, inferred from the router's types: the contract is written once, in core.
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import type { AppRouter } from '../../core/api/index.ts';

export const api = createTRPCClient<AppRouter>({
  links: [
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
