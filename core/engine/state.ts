// Opening the engine state for a workspace: the store, then recovery of anything a crash left
// half-done and a replay of the files into the index, so the rows agree with the files before
// the first query.
import type { EventBus } from '../events/index.ts';
import { openCodebase, recoverCodebase } from '../git/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import type { LockOwner } from '../locks/index.ts';
import { reindexCodebase } from '../revisions/index.ts';
import { DatabaseHost } from '../schema/index.ts';
import type { StateDb, Store } from '../store/index.ts';
import { openStore } from '../store/index.ts';
import { codebaseNames, workspacePaths } from '../workspace/index.ts';

export async function prepareState(store: Store, workspaceRoot: string, events?: EventBus): Promise<void> {
  const paths = workspacePaths(workspaceRoot);
  const names = await codebaseNames(paths);
  for (const [index, name] of names.entries()) {
    events?.emit('progress', {
      task: 'state',
      step: 'reindex',
      message: `indexing codebase ${name}`,
      done: index,
      total: names.length,
    });
    const codebase = await openCodebase(paths, name).catch(() => undefined);
    if (!codebase) continue;
    await recoverCodebase(codebase);
    await reindexCodebase(store.db, codebase);
  }
}

/** How long a command waits for another holding the embedded state (BRANCHYARD_STATE_WAIT_MS). */
const STATE_WAIT_MS = 120_000;

/** The state for one short-lived host (a CLI command): opened on first use, closed on dispose. */
export function lazyState(options: {
  workspaceRoot: string | undefined;
  env: NodeJS.ProcessEnv;
  events?: EventBus;
  purpose?: string;
}): { state: () => Promise<StateDb>; databases: () => DatabaseHost } & Disposable {
  let opening: Promise<Store> | undefined;
  let databases: DatabaseHost | undefined;
  return {
    databases: () => {
      if (!options.workspaceRoot) throw new Error('databases need a workspace');
      const root = options.workspaceRoot;
      databases ??= new DatabaseHost({ paths: workspacePaths(root), env: options.env });
      return databases;
    },
    state: () => {
      opening ??= (async () => {
        if (!options.workspaceRoot) throw new Error('the engine state needs a workspace');
        // Commands take turns: one started while another holds the state waits for it, saying for whom.
        const wait = {
          ms: Number(options.env.BRANCHYARD_STATE_WAIT_MS ?? STATE_WAIT_MS),
          purpose: options.purpose ?? `process ${process.pid}`,
          onWait: (holder: LockOwner) =>
            options.events?.emit('progress', {
              task: 'state',
              step: 'wait',
              message: `waiting for the engine state, held by process ${holder.pid}${holder.purpose ? ` (${holder.purpose})` : ''} since ${holder.since}`,
            }),
        };
        const store = await openStore({
          stateDir: workspacePaths(options.workspaceRoot).stateDir,
          databaseUrl: options.env.BRANCHYARD_DATABASE_URL,
          wait,
        });
        try {
          await prepareState(store, options.workspaceRoot, options.events);
        } catch (error) {
          await store.close();
          throw error;
        }
        return store;
      })();
      return opening.then((s) => s.db);
    },
    dispose: async () => {
      await databases?.dispose();
      const store = await opening?.catch(() => undefined);
      await store?.close();
    },
  };
}
