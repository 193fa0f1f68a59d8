// `branchyard serve`: the engine for one workspace with the app router over HTTP (queries,
// mutations, and subscriptions as server-sent events) and the renderer, on 127.0.0.1, guarded
// by a random access token. A transport only: all logic stays behind the router.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { EngineContext } from '../api/index.ts';
import { appRouter, ensureBranchRunning, prepareState } from '../api/index.ts';
import { followNewest, GatewayManager, syncRoutesFromFiles } from '../gateway/index.ts';
import { LogService } from '../logs/index.ts';
import { BranchyardError, describeError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import { DisposableStore, toDisposable } from '../lifecycle/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { isBranchyardError } from '../errors/index.ts';
import { listBranchRecords, openCodebase } from '../git/index.ts';
import { Pm2Runtime } from '../runtime/index.ts';
import { DatabaseHost } from '../schema/index.ts';
import { TerminalService } from '../terminal/index.ts';
import { loadWorkspace } from '../workspace/index.ts';
import { cookieName, hostAllowed, presentedToken, tokensMatch } from './auth.ts';
import { serveStatic } from './static-files.ts';

export const RENDERER_DIST = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

export interface ServeOptions {
  workspaceRoot: string;
  events: EventBus;
  env: NodeJS.ProcessEnv;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  rendererDir?: string;
  /** Leave branch containers running after serve exits (default: remove them). */
  keepRunning?: boolean;
  /** Start the branches the gateways route to (default: yes). */
  autostart?: boolean;
}

export interface ServeHandle extends Disposable {
  url: string;
  /** The URL with the token, to open once in a browser. */
  loginUrl: string;
  port: number;
  token: string;
  store: Store;
  gateways: GatewayManager;
  logs: LogService;
}

export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const disposables = new DisposableStore();
  try {
    const workspace = await loadWorkspace(options.workspaceRoot);
    options.events.emit('progress', { task: 'serve', step: 'state', message: 'opening the engine state', done: 0, total: 2 });
    const store = disposables.add(await openStore({ stateDir: workspace.paths.stateDir }));
    await prepareState(store, workspace.paths.root, options.events);
    await syncRoutesFromFiles(store.db, workspace);
    // Disposed last: it takes what the branches and gateways write until they stop.
    const logs = disposables.add(await LogService.open({ workspace, secrets: [options.env[workspace.ai.keyEnv]], events: options.events, followPm2: true }));

    // Disposed after the branches stop: they are its clients. Embedded databases open (and start
    // listening on their sockets) when a branch or a check first needs one.
    const databases = disposables.add(new DatabaseHost({ paths: workspace.paths, env: options.env, serve: true, databases: async () => (await loadWorkspace(workspace.paths.root)).databases }));

    const token = randomBytes(24).toString('base64url');
    const host = options.host ?? '127.0.0.1';
    const rendererDir = path.resolve(options.rendererDir ?? RENDERER_DIST);
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
    const terminals = disposables.add(new TerminalService({ paths: workspace.paths, runtime: openRuntime, log: (codebase, branch) => logs.terminal(codebase, branch), events: options.events }));
    // Gateways listen from the start; one that cannot (a taken port) says why in its status.
    const gateways = await GatewayManager.start({ paths: workspace.paths, events: options.events, log: logs.accessLog });
    const context = (): EngineContext => ({ events: options.events, env: options.env, workspaceRoot: workspace.paths.root, state: async () => store.db, runtime: openRuntime, gateways: () => gateways, logs, databases: () => databases, terminals: () => terminals });
    let stopping = false;
    const autostart = options.autostart === false ? Promise.resolve() : startRoutedBranches(context(), gateways, () => stopping);
    disposables.add(
      toDisposable(async () => {
        stopping = true;
        await autostart;
        await gateways.dispose();
      }),
    );
    disposables.add(options.events.on('codebase.added', () => void gateways.reload().catch(() => undefined)));
    disposables.add(
      options.events.on('branch.running', ({ codebase, number }) => {
        void loadWorkspace(workspace.paths.root)
          .then((current) => followNewest({ workspace: current, db: store.db, manager: gateways, codebase, branch: number, events: options.events }))
          .catch(() => undefined);
      }),
    );
    const trpc = createHTTPHandler({ router: appRouter, basePath: '/trpc/', createContext: context });

    let port = options.port;
    const server = http.createServer((request, response) => {
      response.setHeader('referrer-policy', 'no-referrer');
      if (!hostAllowed(request, port)) return void response.writeHead(421, { 'content-type': 'text/plain' }).end('unknown host');
      const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
      const fromQuery = url.searchParams.get('token');
      if (fromQuery !== null) {
        if (!tokensMatch(token, fromQuery)) return void unauthorized(response);
        // Trade the URL's token for a cookie, and drop it from the address bar and history.
        response.writeHead(302, {
          'set-cookie': `${cookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
          location: '/',
        });
        return void response.end();
      }
      if (!tokensMatch(token, presentedToken(request, port))) return void unauthorized(response);
      if (url.pathname.startsWith('/trpc/')) return void trpc(request, response);
      void serveStatic(rendererDir, url.pathname, response);
    });
    server.headersTimeout = 20_000;
    server.requestTimeout = 60_000;

    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new BranchyardError('InvalidInputError', `port ${options.port} on ${host} is already in use; pass --port <n> (or 0 for any free port)`)
            : error,
        ),
      );
      server.listen(options.port, host, () => resolve());
    });
    port = (server.address() as { port: number }).port;
    disposables.add(
      toDisposable(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            // Open subscriptions (server-sent events) would keep close() waiting forever.
            server.closeAllConnections();
          }),
      ),
    );

    const url = `http://${host}:${port}/`;
    const addressFile = workspace.paths.serveAddress;
    await mkdir(workspace.paths.engineDir, { recursive: true, mode: 0o700 });
    await writeFile(addressFile, JSON.stringify({ url, port, token, pid: process.pid }), { mode: 0o600 });
    disposables.add(toDisposable(() => rm(addressFile, { force: true })));
    options.events.emit('progress', { task: 'serve', step: 'listen', message: `serving on ${url}`, done: 2, total: 2 });

    return { url, loginUrl: `${url}?token=${token}`, port, token, store, gateways, logs, dispose: () => disposables.dispose() };
  } catch (error) {
    await disposables.dispose();
    throw error;
  }
}

/**
 * Brings up, one at a time and in the background, every branch a gateway routes to, so a
 * restarted engine serves what it served before. A branch that fails is reported and skipped.
 */
async function startRoutedBranches(ctx: EngineContext, gateways: GatewayManager, stopping: () => boolean): Promise<void> {
  const wanted = new Map<string, { codebase: string; branch: number }>();
  for (const gateway of gateways.status()) {
    for (const route of gateway.routes) if (route.branch !== null) wanted.set(`${route.codebase}:${route.branch}`, { codebase: route.codebase, branch: route.branch });
  }
  // Let serve finish starting first: this is background work.
  await new Promise((resolve) => setImmediate(resolve));
  for (const { codebase, branch } of wanted.values()) {
    if (stopping()) return;
    try {
      await ensureBranchRunning(ctx, codebase, branch);
    } catch (error) {
      ctx.events.emit('progress', { task: `autostart:${codebase}:${branch}`, step: 'failed', message: `branch ${branch} of ${codebase} was not started: ${describeError(error)}`, done: 1, total: 1 });
    }
  }
}

function unauthorized(response: http.ServerResponse): void {
  response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
  response.end(JSON.stringify({ error: 'unauthorized: open the address with the token that `branchyard serve` printed' }));
}

/**
 * Docker when its engine answers; otherwise PM2 on this machine, with no isolation (said in the
 * progress and on every branch). BRANCHYARD_RUNTIME=host or docker picks one outright.
 */
async function openBranchRuntime(workspace: Awaited<ReturnType<typeof loadWorkspace>>, options: ServeOptions): Promise<Pm2Runtime> {
  const base = { workspace: workspace.paths, limits: workspace.servers.limits, image: workspace.servers.image, env: options.env, events: options.events };
  const choice = options.env.BRANCHYARD_RUNTIME;
  let runtime: Pm2Runtime;
  if (choice === 'host') runtime = await Pm2Runtime.open({ ...base, backend: 'host' });
  else {
    try {
      runtime = await Pm2Runtime.open({ ...base, backend: 'docker' });
    } catch (error) {
      if (choice === 'docker' || !isBranchyardError(error) || error.kind !== 'RuntimeUnavailableError') throw error;
      options.events.emit('progress', { task: 'runtime', step: 'host', message: `${error.message.split(';')[0]}: branches run on this machine with no isolation`, done: 1, total: 1 });
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
