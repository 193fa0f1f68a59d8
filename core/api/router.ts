// The app router: everything the UI, the CLI and `serve` can do, in one typed contract.
import { z } from 'zod';
import { BranchyardError, describeError } from '../errors/index.ts';
import { iterateEvents } from '../events/index.ts';
import {
  initWorkspace,
  loadWorkspace,
  recentWorkspaces,
  rememberWorkspace,
  updateAiSettings,
} from '../workspace/index.ts';
import { commitToWorkspace } from '../git/index.ts';
import { runDoctor } from '../doctor/index.ts';
import { procedure, router } from './trpc.ts';
import { engineOf, hostFolder } from './context.ts';
import { branchRouter } from './branch-router.ts';
import { buildRouter } from './build-router.ts';
import { runtimeRouter } from './runtime-router.ts';
import { codebaseRouter } from './codebase-router.ts';
import { agentRouter } from './agent-router.ts';
import { revisionRouter } from './revision-router.ts';
import { gatewayRouter } from './gateway-router.ts';
import { explorerRouter } from './explorer-router.ts';
import { aiRouter } from './ai-router.ts';
import { logsRouter } from './logs-router.ts';
import { databaseRouter, schemaRouter } from './schema-router.ts';
import { terminalRouter } from './terminal-router.ts';
import { githubRouter } from './github-router.ts';
import { auditRouter } from './audit-router.ts';
import { motherFolder, templateRouter } from './template-router.ts';
import { spawnWorkspace } from '../template/index.ts';

const workspaceRouter = router({
  init: procedure
    /** from: a mother to spawn from (a template folder, a bare repository, a file:// or http(s):// git URL). */
    .input(z.object({ dir: z.string().min(1), name: z.string().optional(), from: z.string().min(1).optional() }))
    .mutation(async ({ ctx, input }) => {
      const engine = engineOf(ctx);
      // Its gateways keep off the ports of the workspaces this user opened, running or not.
      const others = [...(await recentWorkspaces(engine.env)), ...(engine.workspaceRoot ? [engine.workspaceRoot] : [])];
      const dir = await hostFolder(ctx, 'workspace folder', input.dir);
      const from = input.from === undefined ? undefined : await motherFolder(ctx, input.from);
      const options = { dir, name: input.name, events: engine.events, otherWorkspaces: others };
      const made =
        from === undefined
          ? { ...(await initWorkspace(options)), template: null }
          : await spawnWorkspace({ ...options, from });
      await rememberWorkspace(engine.env, made.root).catch(() => undefined);
      return made;
    }),
  /** The workspaces opened lately, newest first, with their names. */
  recent: procedure.query(async ({ ctx }) => {
    const { env, workspaceRoot } = engineOf(ctx);
    const dirs = await recentWorkspaces(env);
    return Promise.all(
      dirs.map(async (dir) => ({
        dir,
        name: await loadWorkspace(dir).then(
          (w) => w.manifest.name,
          () => null,
        ),
        current: dir === workspaceRoot,
      })),
    );
  }),
  /** Opens another workspace in the live engine's place. */
  open: procedure.input(z.object({ dir: z.string().min(1) })).mutation(async ({ ctx, input }) => {
    if (!ctx.switchWorkspace)
      throw new BranchyardError('EngineNotRunningError', 'opening another workspace needs the live engine', {
        hint: { do: 'choose-workspace' },
      });
    return ctx.switchWorkspace(await hostFolder(ctx, 'workspace folder', input.dir));
  }),
  info: procedure.query(async ({ ctx }) => {
    const engine = engineOf(ctx);
    const ws = await engine.workspace();
    return {
      root: ws.paths.root,
      name: ws.manifest.name,
      createdAt: ws.manifest.createdAt,
      gateways: ws.gateways.map((g) => ({
        name: g.name,
        port: g.config.port,
        httpPort: g.config.httpPort,
        protected: g.config.protected,
        promotesTo: g.config.promotesTo,
      })),
      databases: ws.databases.map((d) => ({ name: d.name, engine: d.config.engine })),
      ai: {
        provider: ws.ai.provider,
        baseUrl: ws.ai.baseUrl,
        model: ws.ai.model,
        budget: ws.ai.budget,
        keyEnv: ws.ai.keyEnv,
        hasKey: Boolean(engine.env[ws.ai.keyEnv]),
      },
    };
  }),
  /** The settings pane's AI settings: validated whole, then written and committed. */
  setAi: procedure
    .input(
      z.object({
        provider: z.string().optional(),
        baseUrl: z.string().optional(),
        model: z.string().optional(),
        budget: z
          .object({
            perRevisionUsd: z.number().optional(),
            perMonthUsd: z.number().optional(),
            maxTurns: z.number().optional(),
            maxMinutes: z.number().optional(),
          })
          .optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const ws = await engineOf(ctx).workspace();
      const saved = await updateAiSettings(ws.paths, input);
      await commitToWorkspace(ws.paths, [ws.paths.aiConfig], 'ai: settings changed');
      return { provider: saved.provider, baseUrl: saved.baseUrl, model: saved.model, budget: saved.budget };
    }),
});

const doctorRouter = router({
  run: procedure.query(async ({ ctx }) => {
    const engine = engineOf(ctx);
    const workspace = engine.workspaceRoot
      ? await loadWorkspace(engine.workspaceRoot).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error: describeError(error) }),
        )
      : undefined;
    // The live engine's gateways hold their ports: the doctor must not call them another program's.
    const ownListeners = new Set(
      (engine.parts.gateways?.().status() ?? [])
        .filter((g) => g.listening)
        .flatMap((g) => [`${g.host}:${g.port}`, ...(g.httpPort === null ? [] : [`${g.host}:${g.httpPort}`])]),
    );
    return runDoctor({ workspace, env: engine.env, ownListeners });
  }),
});

const eventsRouter = router({
  /** Progress and changes as they happen; ends when the client unsubscribes. */
  stream: procedure.subscription(async function* ({ ctx, signal }) {
    yield* iterateEvents(engineOf(ctx).events, signal);
  }),
});

export const appRouter = router({
  workspace: workspaceRouter,
  codebase: codebaseRouter,
  branch: branchRouter,
  revision: revisionRouter,
  agent: agentRouter,
  build: buildRouter,
  runtime: runtimeRouter,
  gateway: gatewayRouter,
  explorer: explorerRouter,
  ai: aiRouter,
  logs: logsRouter,
  schema: schemaRouter,
  db: databaseRouter,
  terminal: terminalRouter,
  template: templateRouter,
  doctor: doctorRouter,
  events: eventsRouter,
  github: githubRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
