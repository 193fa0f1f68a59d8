// A codebase's PM2 daemon, spoken to over its own RPC socket (`rpc.sock` in its PM2_HOME, a
// host folder even when the daemon runs in a container) with the axon library PM2 itself uses.
// One call costs a message on a unix socket, where a `pm2 …` command through `docker exec`
// started Node and the PM2 client each time (hundreds of milliseconds on a busy machine). Its
// event socket (`pub.sock`) says when a process starts, exits or is given up on.
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';

const require = createRequire(import.meta.url);

interface AxonSocket {
  set(name: string, value: unknown): void;
  connect(path: string): void;
  close(): void;
  on(event: string, listener: (...args: never[]) => void): void;
  connected?: boolean;
}
interface RpcClient {
  call(method: string, arg: unknown, done: (error: Error | null, result?: unknown) => void): void;
}
// PM2 ships these modules inside its package (lib/Client.js loads them the same way).
/** The event socket wraps a plain subscriber socket (`sock`) and matches topics itself. */
interface SubEmitter {
  sock: AxonSocket;
  on(topic: string, listener: (data: never) => void): void;
  close(): void;
}
interface Axon {
  socket(type: 'req'): AxonSocket;
  socket(type: 'sub-emitter'): SubEmitter;
}
/** Loaded on the first connection, not at import: an engine that never runs a branch never needs it. */
let axonModules: { axon: Axon; RpcClientClass: new (socket: AxonSocket) => RpcClient } | undefined;
function axonLibrary() {
  axonModules ??= {
    axon: require('pm2/modules/pm2-axon') as Axon,
    RpcClientClass: require('pm2/modules/pm2-axon-rpc').Client as new (socket: AxonSocket) => RpcClient,
  };
  return axonModules;
}

/** A process as PM2's `getMonitorData` describes it (the fields the runtime reads). */
export interface Pm2Process {
  name: string;
  pid: number;
  pm_id: number;
  monit?: { memory: number; cpu: number };
  pm2_env: { status: string; restart_time: number; pm_id: number; pm_uptime?: number; pm_exec_path?: string };
}

/** What PM2 publishes about a process: 'start', 'online', 'exit', 'restart overlimit', 'stop', 'delete'. */
export interface Pm2Event {
  event: string;
  process: { name: string; pm_id: number; status: string; restart_time: number };
}

export class Pm2Daemon {
  private closed = false;
  private readonly listeners = new Set<(event: Pm2Event) => void>();
  private readonly lost = new Set<(reason: Error) => void>();

  private constructor(
    readonly home: string,
    private readonly req: AxonSocket,
    private readonly rpc: RpcClient,
    private readonly sub: SubEmitter,
  ) {}

  /**
   * Connects to the daemon whose home is `home`; fails at once (ECONNREFUSED, ENOENT) when none
   * listens there. The sockets never reconnect: a daemon that goes away makes this connection
   * useless, and the runtime opens a new one once PM2 runs again.
   */
  static async connect(home: string, timeoutMs = 5000): Promise<Pm2Daemon> {
    const { axon, RpcClientClass } = axonLibrary();
    const req = axon.socket('req');
    const sub = axon.socket('sub-emitter');
    for (const socket of [req, sub.sock]) socket.set('retry timeout', 0);
    const opened = (socket: AxonSocket, file: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${file} did not accept a connection within ${timeoutMs} ms`)),
          timeoutMs,
        );
        socket.on('connect', () => (clearTimeout(timer), resolve()));
        socket.on('error', (error: Error) => (clearTimeout(timer), reject(error)));
        socket.on(
          'close',
          () => (
            clearTimeout(timer),
            reject(Object.assign(new Error(`nothing listens on ${file}`), { code: 'ECONNREFUSED' }))
          ),
        );
        socket.connect(file);
      });
    try {
      await Promise.all([opened(req, path.join(home, 'rpc.sock')), opened(sub.sock, path.join(home, 'pub.sock'))]);
    } catch (error) {
      req.close();
      sub.close();
      throw error;
    }
    const daemon = new Pm2Daemon(home, req, new RpcClientClass(req), sub);
    sub.on('process:event', (event: Pm2Event) => daemon.listeners.forEach((l) => l(event)));
    for (const socket of [req, sub.sock])
      socket.on('close', () => daemon.markLost(new Error(`the PM2 daemon at ${home} closed its socket`)));
    return daemon;
  }

  get alive(): boolean {
    return !this.closed;
  }

  /** One RPC call; bounded in time, and failed at once when the daemon goes away meanwhile. */
  call<T>(method: string, arg: unknown, timeoutMs = 30_000): Promise<T> {
    if (this.closed)
      return Promise.reject(new BranchyardError('RuntimeError', `the PM2 daemon at ${this.home} is gone`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new BranchyardError('RuntimeError', `PM2 did not answer ${method} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onLost = (reason: Error) =>
        finish(new BranchyardError('RuntimeError', `PM2 stopped answering during ${method}: ${reason.message}`));
      const finish = (error: Error | null, result?: unknown) => {
        clearTimeout(timer);
        this.lost.delete(onLost);
        if (error) reject(error);
        else resolve(result as T);
      };
      this.lost.add(onLost);
      this.rpc.call(method, arg, (error, result) =>
        finish(error ? new BranchyardError('RuntimeError', `PM2 refused ${method}: ${error.message}`) : null, result),
      );
    });
  }

  list(): Promise<Pm2Process[]> {
    return this.call<Pm2Process[]>('getMonitorData', {});
  }

  onEvent(listener: (event: Pm2Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called once, when the daemon goes away (its container stopped, it was killed). */
  onLost(listener: (reason: Error) => void): () => void {
    this.lost.add(listener);
    return () => this.lost.delete(listener);
  }

  private markLost(reason: Error): void {
    if (this.closed) return;
    this.close();
    for (const listener of [...this.lost]) listener(reason);
    this.lost.clear();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.req.close();
    this.sub.close();
  }
}

/** Whether a PM2 daemon listens in `home` now (both its sockets accept a connection). */
export async function daemonListens(home: string): Promise<boolean> {
  const accepts = (file: string) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(file);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  const [rpc, pub] = await Promise.all([accepts(path.join(home, 'rpc.sock')), accepts(path.join(home, 'pub.sock'))]);
  return rpc && pub;
}

/** Waits for a daemon that is starting to listen in `home`, up to `timeoutMs`. */
export async function daemonStarted(
  home: string,
  timeoutMs: number,
  stillStarting: () => Promise<boolean> = async () => true,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await daemonListens(home)) return true;
    if (!(await stillStarting())) return false;
    // A container's PM2 takes a few hundred milliseconds to come up, once per codebase.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
