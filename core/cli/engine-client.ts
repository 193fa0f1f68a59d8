// The CLI reaches the engine one of two ways (CLI.md): through the `branchyard serve` running
// for this workspace (its address and token are in .branchyard/serve.json), or, when none runs,
// in this process with the router called directly, over an engine of its own. Both are tRPC links, so commands are written
// once and behave the same either way.
import { readFile } from 'node:fs/promises';
import { createTRPCClient, httpLink, httpSubscriptionLink, localLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { TRPCClient } from '@trpc/client';
import type { AppRouter } from '../api/index.ts';
import { appRouter } from '../api/index.ts';
import { openLocalEngine } from '../engine/index.ts';
import type { EventBus } from '../events/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { workspacePaths } from '../workspace/index.ts';

export type EngineClient = TRPCClient<AppRouter>;

export interface ServeAddress {
  url: string;
  token: string;
  pid: number;
}

export async function connectEngine(options: {
  workspaceRoot: string | undefined;
  env: NodeJS.ProcessEnv;
  events: EventBus;
}): Promise<{ client: EngineClient; via: 'serve' | 'local' } & Disposable> {
  const serve = options.workspaceRoot ? await runningServe(options.workspaceRoot) : undefined;
  if (serve) {
    const authorization = `Bearer ${serve.token}`;
    const client = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          // Subscriptions are server-sent events; Node has no EventSource of its own that can send the token.
          true: httpSubscriptionLink({
            url: `${serve.url}trpc`,
            EventSource,
            eventSourceOptions: {
              fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization } }),
            },
          }),
          false: httpLink({ url: `${serve.url}trpc`, headers: { authorization } }),
        }),
      ],
    });
    return { client, via: 'serve', dispose: async () => {} };
  }
  // Named in the lock for a command that waits for this one: "branchyard branch new".
  const purpose = [
    'branchyard',
    ...process.argv
      .slice(2)
      .filter((a) => !a.startsWith('-'))
      .slice(0, 2),
  ].join(' ');
  const engine = openLocalEngine({ ...options, purpose });
  const client = createTRPCClient<AppRouter>({
    links: [localLink({ router: appRouter, createContext: async () => ({ engine }) })],
  });
  return { client, via: 'local', dispose: () => engine.dispose() };
}

/** The serve of this workspace, when its address file names a live process. */
export async function runningServe(workspaceRoot: string): Promise<ServeAddress | undefined> {
  const file = workspacePaths(workspaceRoot).serveAddress;
  let address: Partial<ServeAddress>;
  try {
    address = JSON.parse(await readFile(file, 'utf8')) as Partial<ServeAddress>;
  } catch {
    return undefined;
  }
  if (typeof address.url !== 'string' || typeof address.token !== 'string' || typeof address.pid !== 'number')
    return undefined;
  try {
    process.kill(address.pid, 0);
  } catch {
    return undefined; // left behind by a serve that was killed
  }
  return { url: address.url, token: address.token, pid: address.pid };
}
