// The live engine of one workspace, whichever transport carries its router (`serve` over HTTP,
// the desktop window over IPC): the engine state, the logs, the databases, the branch runtime
// (opened on first use), terminals and gateways, the branches the gateways route to started in
// the background, and the listeners that keep gateways in step (a new codebase, a branch that
// now runs). Disposing it stops its revisions first, then the rest in the reverse order.
import { interruptOpenRevisions } from '../agent/index.ts';
import { describeError, isBranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import { followNewest, GatewayManager, recoverPromotions, syncRoutesFromFiles } from '../gateway/index.ts';
import { formatBranch, formatRevision, listBranchRecords, openCodebase } from '../git/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { DisposableStore, toDisposable } from '../lifecycle/index.ts';
import { LogService } from '../logs/index.ts';
import { branchLifecycle, Pm2Runtime } from '../runtime/index.ts';
import { DatabaseHost } from '../schema/index.ts';
import type { Store } from '../store/index.ts';
import { openStore } from '../store/index.ts';
import { TerminalService } from '../terminal/index.ts';
import type { Workspace } from '../workspace/index.ts';
import { loadWorkspace } from '../workspace/index.ts';
import { Engine } from './engine.ts';
import { prepareState } from './state.ts';

/**
 * An embedded engine state no request has used for this long is closed (its PGlite memory given
 * back) and opened again by the next one: what an idle `serve` holds is then mostly Node itself.
 */
const STATE_IDLE_CLOSE_MS = 60_000;

export interface EngineOptions {
  workspaceRoot: string;
  events: EventBus;
  env: NodeJS.ProcessEnv;
  /** Leave branch containers running after the engine stops (default: remove them). */
  keepRunning?: boolean;
  /** Start the branches the gateways route to (default: yes). */
  autostart?: boolean;
}

export interface EngineHandle extends Disposable {
  engine: Engine;
  workspace: Workspace;
  store: Store;
  gateways: GatewayManager;
  logs: LogService;
  /** A context for one call of the router. */
  context(): { engine: Engine };
}

export async function startEngine(options: EngineOptions): Promise<EngineHandle> {
  const disposables = new DisposableStore();
  try {
    const workspace = await loadWorkspace(options.workspaceRoot);
    options.events.emit('progress', {
      task: 'serve',
      step: 'state',
      message: 'opening the engine state',
      done: 0,
      total: 2,
    });
    const store = disposables.add(
      await openStore({ stateDir: workspace.paths.stateDir, idleCloseMs: STATE_IDLE_CLOSE_MS }),
    );
    await prepareState(store, workspace.paths.root, options.events);
    // What the last engine left half-done when it stopped: promotions not committed, revisions
    // that were running (an engine that stops marks its own; these are from one that was killed).
    await recoverPromotions({ workspace, db: store.db });
    for (const cut of await interruptOpenRevisions({ workspace, db: store.db, events: options.events })) {
      options.events.emit('progress', {
        task: 'serve',
        step: 'recover',
        message: `dev revision ${formatRevision(cut.revision)} of ${cut.codebase} was interrupted when the engine stopped`,
        done: 1,
        total: 1,
        hint: { do: 'resume', codebase: cut.codebase, revision: cut.revision },
      });
    }
    await syncRoutesFromFiles(store.db, workspace);
    // Disposed last: it takes what the branches and gateways write until they stop.
    const logs = disposables.add(
      await LogService.open({
        workspace,
        secrets: [options.env[workspace.ai.keyEnv]],
        events: options.events,
        followPm2: true,
      }),
    );
    // Disposed after the branches stop: they are its clients. Embedded databases open (and start
    // listening on their sockets) when a branch or a check first needs one.
    const databases = disposables.add(new DatabaseHost({ paths: workspace.paths, env: options.env, serve: true }));

    // The runtime opens on first use: a workspace that never runs a branch never needs Docker.
    let runtime: Promise<Pm2Runtime> | undefined;
    const openRuntime = () => {
      runtime ??= openBranchRuntime(workspace, options);
      runtime.catch(() => (runtime = undefined));
      return runtime;
    };
    disposables.add(
      toDisposable(async () => {
        const opened = await runtime?.catch(() => undefined);
        if (opened && !options.keepRunning) await opened.removeAll();
      }),
    );
    const terminals = disposables.add(
      new TerminalService({
        paths: workspace.paths,
        runtime: openRuntime,
        log: (codebase, branch) => logs.terminal(codebase, branch),
        events: options.events,
      }),
    );
    // Gateways listen from the start; one that cannot (a taken port) says why in its status.
    // Idle branches sleep and wake on their first request (issue 21): from the entry they last
    // started with, or, for a branch never started, built and run like any other.
    const late: { engine?: Engine } = {};
    const lifecycle = branchLifecycle(openRuntime, async (codebase, branch) => {
      if (!late.engine) throw new Error('the engine is still starting');
      await late.engine.branches.ensureRunning(await late.engine.branch(codebase, branch));
    });
    const live = workspace.servers.live;
    const gateways = await GatewayManager.start({
      paths: workspace.paths,
      events: options.events,
      log: logs.accessLog,
      lifecycle,
      budget: live && {
        maxBranches: live.maxBranches,
        maxMemoryBytes: live.maxMemoryMb && live.maxMemoryMb * 1024 * 1024,
      },
    });
    let stopping = false;
    let autostart: Promise<void> = Promise.resolve();
    disposables.add(
      toDisposable(async () => {
        stopping = true;
        await autostart;
        await gateways.dispose();
      }),
    );
    // Added last, so disposed first: its revisions and listeners use everything above.
    const engine = disposables.add(
      new Engine({
        events: options.events,
        env: options.env,
        workspaceRoot: workspace.paths.root,
        state: async () => store.db,
        runtime: openRuntime,
        gateways: () => gateways,
        logs,
        databases: () => databases,
        terminals: () => terminals,
      }),
    );
    late.engine = engine;
    engine.own(options.events.on('branch.running', ({ codebase, number }) => gateways.branchRunning(codebase, number)));
    // A new branch gets its own host name on the gateways that give every branch one.
    engine.own(options.events.on('branch.created', () => void gateways.reload().catch(() => undefined)));
    engine.own(options.events.on('codebase.added', () => void gateways.reload().catch(() => undefined)));
    engine.own(
      options.events.on('branch.running', ({ codebase, number }) => {
        void loadWorkspace(workspace.paths.root)
          .then((current) =>
            followNewest({
              workspace: current,
              db: store.db,
              manager: gateways,
              codebase,
              branch: number,
              events: options.events,
            }),
          )
          .catch(() => undefined);
      }),
    );
    if (options.autostart !== false) autostart = startRoutedBranches(engine, gateways, () => stopping);
    return {
      engine,
      workspace,
      store,
      gateways,
      logs,
      context: () => ({ engine }),
      dispose: () => disposables.dispose(),
    };
  } catch (error) {
    await disposables.dispose();
    throw error;
  }
}

/**
 * Brings up, one at a time and in the background, every branch a gateway routes to, so a
 * restarted engine serves what it served before. A branch that fails is reported and skipped.
 */
async function startRoutedBranches(engine: Engine, gateways: GatewayManager, stopping: () => boolean): Promise<void> {
  const wanted = new Map<string, { codebase: string; branch: number }>();
  for (const gateway of gateways.status()) {
    for (const route of gateway.routes)
      if (route.branch !== null)
        wanted.set(`${route.codebase}:${route.branch}`, { codebase: route.codebase, branch: route.branch });
  }
  // Let the engine finish starting first: this is background work.
  await new Promise((resolve) => setImmediate(resolve));
  for (const { codebase, branch } of wanted.values()) {
    if (stopping()) return;
    try {
      await engine.branches.ensureRunning(await engine.branch(codebase, branch));
    } catch (error) {
      engine.events.emit('progress', {
        task: `autostart:${codebase}:${branch}`,
        step: 'failed',
        message: `branch ${formatBranch(branch)} of ${codebase} was not started: ${describeError(error)}`,
        done: 1,
        total: 1,
      });
    }
  }
}

/**
 * Docker when its engine answers; otherwise PM2 on this machine, with no isolation (said in the
 * progress and on every branch). BRANCHYARD_RUNTIME=host or docker picks one outright.
 */
async function openBranchRuntime(workspace: Workspace, options: EngineOptions): Promise<Pm2Runtime> {
  const base = {
    workspace: workspace.paths,
    limits: workspace.servers.limits,
    image: workspace.servers.image,
    env: options.env,
    events: options.events,
  };
  const choice = options.env.BRANCHYARD_RUNTIME;
  let runtime: Pm2Runtime;
  if (choice === 'host') runtime = await Pm2Runtime.open({ ...base, backend: 'host' });
  else {
    try {
      runtime = await Pm2Runtime.open({ ...base, backend: 'docker' });
    } catch (error) {
      if (choice === 'docker' || !isBranchyardError(error) || error.kind !== 'RuntimeUnavailableError') throw error;
      options.events.emit('progress', {
        task: 'runtime',
        step: 'host',
        message: `${error.message.split(';')[0]}: branches run on this machine with no isolation`,
        done: 1,
        total: 1,
      });
      runtime = await Pm2Runtime.open({ ...base, backend: 'host' });
    }
  }
  // Adopt what a previous engine left running, except branches that no longer exist.
  for (const name of await runtime.codebases()) {
    const codebase = await openCodebase(workspace.paths, name).catch(() => undefined);
    const numbers = new Set(codebase ? (await listBranchRecords(codebase)).branches.map((b) => b.number) : []);
    await runtime.stopOrphans(name, (n) => numbers.has(n));
  }
  return runtime;
}
