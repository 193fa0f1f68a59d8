// `branchyard serve`: the engine for one workspace with the app router over HTTP (queries,
// mutations, and subscriptions as server-sent events) and the renderer, on 127.0.0.1, guarded
// by a random access token. A transport only: all logic stays behind the router.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter, githubWebhook, startGithubBridge } from '../api/index.ts';
import type { GatewayManager } from '../gateway/index.ts';
import type { LogService } from '../logs/index.ts';
import { BranchyardError } from '../errors/index.ts';
import { DisposableStore, toDisposable } from '../lifecycle/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import type { Store } from '../store/index.ts';
import { allowedFolderRoots } from '../workspace/index.ts';
import type { EngineHandle, EngineOptions } from '../engine/index.ts';
import { EngineHost } from '../engine/index.ts';
import { authenticate } from './auth.ts';
import { createRequestHandler } from './requests.ts';

export const RENDERER_DIST = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

export interface ServeOptions extends EngineOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  rendererDir?: string;
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
    const token = randomBytes(24).toString('base64url');
    // The address file of whichever workspace is open: written once serve listens, and again
    // for each workspace the picker opens; removed as its engine stops.
    let address: { url: string; port: number } | undefined = undefined;
    const writeAddress = async (engine: EngineHandle) => {
      if (!address) return;
      await mkdir(engine.workspace.paths.engineDir, { recursive: true, mode: 0o700 });
      await writeFile(engine.workspace.paths.serveAddress, JSON.stringify({ ...address, token, pid: process.pid }), {
        mode: 0o600,
      });
    };
    const engines = disposables.add(
      await EngineHost.start({
        ...options,
        // The engine's own copy: a key the window hands it (ai.setKey) stays in this process's
        // memory and is not inherited by the processes it starts from process.env.
        env: { ...options.env },
        onStarted: async (engine) => {
          await writeAddress(engine);
          // Issues of connected repositories: revisions' ends answered on GitHub, polling started.
          await startGithubBridge(engine.engine);
        },
        onStopping: (engine) => rm(engine.workspace.paths.serveAddress, { force: true }),
      }),
    );
    const host = options.host ?? '127.0.0.1';
    const rendererDir = path.resolve(options.rendererDir ?? RENDERER_DIST);
    // Folders named by the window are held to the allowed roots; the bearer token is the CLI's
    // (read from the address file, mode 0600) or a script's the user gave it: the user's own hand,
    // which could do as much in a shell. Either way a path must be absolute.
    const roots = allowedFolderRoots(options.env);
    let port = options.port;
    const trpc = createHTTPHandler({
      router: appRouter,
      basePath: '/trpc/',
      createContext: ({ req }) => ({
        ...engines.context(),
        folderRoots: authenticate(req, port, token) === 'bearer' ? undefined : roots,
      }),
    });

    const server = http.createServer(
      createRequestHandler({
        token,
        port: () => port,
        rendererDir,
        trpc,
        webhook: (request, response) => githubWebhook(engines.engine.engine, request, response),
        onError: (message) =>
          options.events.emit('progress', { task: 'serve', step: 'request-failed', message, done: 1, total: 1 }),
      }),
    );
    server.headersTimeout = 20_000;
    server.requestTimeout = 60_000;

    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new BranchyardError(
                'InvalidInputError',
                `port ${options.port} on ${host} is already in use; pass --port <n> (or 0 for any free port)`,
              )
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
    address = { url, port };
    await writeAddress(engines.engine);
    options.events.emit('progress', { task: 'serve', step: 'listen', message: `serving on ${url}`, done: 2, total: 2 });

    return {
      url,
      loginUrl: `${url}?token=${token}`,
      port,
      token,
      get store() {
        return engines.engine.store;
      },
      get gateways() {
        return engines.engine.gateways;
      },
      get logs() {
        return engines.engine.logs;
      },
      dispose: () => disposables.dispose(),
    };
  } catch (error) {
    await disposables.dispose();
    throw error;
  }
}
