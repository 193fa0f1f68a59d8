// GitHub issues through the router (issue 22): connect a codebase to a repository, start a
// revision from an issue by hand (`branchyard issue`), poll now. The bridge itself lives in
// core/github; here it is given the engine's revision workflow, once per engine and disposed
// with it, and started by each host as its engine starts. serve mounts its webhook handler on
// /hooks/github/<codebase>.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BranchyardError, describeError } from '../errors/index.ts';
import type { Engine } from '../engine/index.ts';
import type { IssueBridge } from '../github/index.ts';
import {
  connectRepository,
  handleWebhook,
  IssueBridge as Bridge,
  parseIssueRef,
  readConnection,
  startPolling,
} from '../github/index.ts';
import { codebaseNames } from '../workspace/index.ts';
import { engineOf } from './context.ts';
import { procedure, router } from './trpc.ts';

const bridges = new WeakMap<Engine, Promise<IssueBridge>>();

/** The engine's issue bridge, started (listening for revisions' ends, polling) on first use. */
export function githubBridge(engine: Engine): Promise<IssueBridge> {
  let bridge = bridges.get(engine);
  if (!bridge) {
    bridge = (async () => {
      const workspace = await engine.workspace();
      const made = engine.own(
        new Bridge({
          paths: workspace.paths,
          db: await engine.parts.state(),
          env: engine.env,
          events: engine.events,
          workflow: {
            prompt: async (codebase, text) => engine.revisions.prompt(await engine.codebase(codebase), { text }),
            answer: async (codebase, revision, text) =>
              void (await engine.revisions.answer(await engine.codebase(codebase), { revision, text })),
            describeBranch: async (codebase, branch) => {
              const built = await engine.builds.build(await engine.branch(codebase, branch));
              const served = engine.parts
                .gateways?.()
                .status()
                .find((g) => g.follow === 'newest')
                ?.routes.find((r) => r.codebase === codebase && r.branch === branch);
              return { routes: built.routes.map((r) => `${r.method} ${r.path}`), urls: served ? [served.url] : [] };
            },
          },
        }),
      );
      engine.own(
        startPolling({ bridge: made, codebases: () => codebaseNames(workspace.paths), events: engine.events }),
      );
      return made;
    })();
    bridges.set(engine, bridge);
    bridge.catch(() => bridges.delete(engine));
  }
  return bridge;
}

/**
 * What each host (serve, the Electron window) does as an engine starts: its issue bridge runs from
 * then on, answering revisions' ends on their issues and polling, without waiting for a first
 * webhook or call. A bridge that cannot start is reported, and the engine runs without it.
 */
export async function startGithubBridge(engine: Engine): Promise<void> {
  await githubBridge(engine).catch((error: unknown) =>
    engine.events.emit('progress', {
      task: 'github',
      step: 'failed',
      message: `GitHub issues are off: ${describeError(error)}`,
      done: 1,
      total: 1,
    }),
  );
}

/** serve's handler for /hooks/github/<codebase>: GitHub holds no access token, only the webhook secret. */
export async function githubWebhook(engine: Engine, request: IncomingMessage, response: ServerResponse): Promise<void> {
  await handleWebhook(
    { bridge: await githubBridge(engine), db: await engine.parts.state(), env: engine.env },
    request,
    response,
  );
}

export const githubRouter = router({
  connect: procedure
    .input(
      z.object({
        codebase: z.string(),
        repository: z.string(),
        apiUrl: z.string().optional(),
        tokenEnv: z.string().optional(),
        webhookSecretEnv: z.string().optional(),
        triggerLabel: z.string().nullable().optional(),
        pollSeconds: z.number().int().nullable().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { codebase, ...connection } = input;
      const { workspace } = await engineOf(ctx).codebase(codebase);
      return connectRepository(
        workspace.paths,
        codebase,
        Object.fromEntries(Object.entries(connection).filter(([, v]) => v !== undefined)) as typeof connection,
      );
    }),

  show: procedure.input(z.object({ codebase: z.string() })).query(async ({ ctx, input }) => {
    const { workspace } = await engineOf(ctx).codebase(input.codebase);
    return (await readConnection(workspace.paths, input.codebase)) ?? null;
  }),

  /** A dev revision from an issue, by hand: `branchyard issue <codebase> <owner/repo#n>`. */
  issue: procedure.input(z.object({ codebase: z.string(), issue: z.string() })).mutation(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    const ref = parseIssueRef(input.issue);
    const bridge = await githubBridge(engine);
    const connection = await bridge.connection(input.codebase);
    if (!connection)
      throw new BranchyardError('InvalidInputError', `codebase ${input.codebase} is not connected to GitHub`, {
        hint: { do: 'connect-github', codebase: input.codebase, repository: ref.repository },
      });
    if (connection.repository !== ref.repository)
      throw new BranchyardError(
        'InvalidInputError',
        `codebase ${input.codebase} is connected to ${connection.repository}, not ${ref.repository}`,
      );
    const client = await bridge.client(connection);
    const handled = await bridge.openFromIssue(input.codebase, connection, await client.issue(ref.number), {
      byHand: true,
    });
    if ('ignored' in handled) throw new BranchyardError('InvalidInputError', handled.ignored);
    return { codebase: input.codebase, issue: input.issue, revision: handled.revision!, message: handled.done };
  }),

  /** Polls the codebase's repository now. */
  poll: procedure
    .input(z.object({ codebase: z.string() }))
    .mutation(async ({ ctx, input }) => ({ said: await (await githubBridge(engineOf(ctx))).poll(input.codebase) })),
});
