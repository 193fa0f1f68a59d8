// All the gateways of a workspace in one engine: one instance per gateway file, their route
// tables rebuilt from the files (gateway files, codebases' active-branch and codebase.json)
// whenever something changes. A scaled-out `gateway run` uses the same code with its routes read
// from the engine state instead.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { EventBus } from '../events/index.ts';
import { BranchyardError, describeError } from '../errors/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { branchSocketPath } from '../runtime/index.ts';
import type { GatewayEntry, Workspace, WorkspacePaths } from '../workspace/index.ts';
import { codebaseNames, loadWorkspace, readActiveBranch, readCodebaseSettings } from '../workspace/index.ts';
import type { AccessLogSink } from '../logs/index.ts';
import { LogService } from '../logs/index.ts';
import { DEFAULT_LIMITS, GatewayInstance } from './gateway-instance.ts';
import { hiddenLabel } from './host-names.ts';
import { LocalCa } from './local-ca.ts';
import { BranchDocuments } from './openapi-docs.ts';
import type { AuthLimits } from './access.ts';
import { BasicAuthChecker } from './access.ts';
import type { UpstreamLimits } from './proxy.ts';
import type { RouteTable } from './route-table.ts';
import { branchHostsOn, buildRouteTable, needsLabel } from './route-table.ts';
import type { BranchLifecycle, BranchState } from './wakeups.ts';
import { Wakeups } from './wakeups.ts';

/** How long a branch with no request stays awake when no gateway or codebase says otherwise. */
export const DEFAULT_IDLE_MINUTES = 10;

export interface GatewayStatus {
  name: string;
  host: string;
  port: number;
  httpPort: number | null;
  protected: boolean;
  follow: 'newest' | 'promotion';
  promotesTo: string | null;
  listening: boolean;
  /** Why it does not listen (a taken port, a broken file). */
  error: string | null;
  /** The gateway's own name, for its API docs. */
  hostName: string;
  routes: Array<{
    codebase: string;
    branch: number | null;
    source: 'route' | 'active-branch' | 'none';
    hosts: string[];
    url: string;
  }>;
}

/** Per gateway, the branch each codebase is routed to; codebases not named fall back to active-branch. */
export type RouteSource = (gateway: string) => Promise<ReadonlyMap<string, number>>;

export interface GatewayManagerOptions {
  paths: WorkspacePaths;
  events?: EventBus;
  /** Only these gateways (`gateway run <name>`); all by default. */
  only?: string[];
  /** Listen elsewhere than the file says (several instances of one gateway on one machine). */
  ports?: { port: number; httpPort: number | null };
  /** Routes from somewhere other than the gateway files (the engine state). */
  routeSource?: RouteSource;
  log?: AccessLogSink;
  /** Throw when a gateway cannot listen, instead of reporting it in its status. */
  strict?: boolean;
  /** Each gateway's connections to branches, if not the defaults. */
  upstream?: UpstreamLimits;
  /** Each gateway's basic-auth attempt limits, if not the defaults. */
  authLimits?: Partial<AuthLimits>;
  /**
   * How the engine wakes and puts to sleep branches: with it, idle branches sleep and wake on
   * their first request. Without it (`gateway run`), every branch is taken as it is.
   */
  lifecycle?: BranchLifecycle;
  /** The live budget from servers/config.json. */
  budget?: { maxBranches?: number; maxMemoryBytes?: number };
  /** Wake and sleep timings, if not the defaults (tests shorten them). */
  wake?: {
    timeoutMs?: number;
    maxFailures?: number;
    failedForMs?: number;
    sweepMs?: number;
    atOnce?: number;
    queued?: number;
  };
}

interface Slot {
  entry: GatewayEntry;
  instance: GatewayInstance | null;
  error: string | null;
  table: RouteTable;
  sources: Map<string, 'route' | 'active-branch' | 'none'>;
}

export class GatewayManager implements Disposable {
  private readonly slots = new Map<string, Slot>();
  private reloading: Promise<void> = Promise.resolve();
  private facts: CodebaseFacts[] = [];
  readonly wakeups: Wakeups | undefined;

  private constructor(
    private readonly options: GatewayManagerOptions,
    readonly ca: LocalCa,
    private readonly log: AccessLogSink,
    private readonly documents: BranchDocuments,
  ) {
    const lifecycle = options.lifecycle;
    this.wakeups = lifecycle
      ? new Wakeups({
          lifecycle,
          socketPath: (codebase, branch) => branchSocketPath(options.paths, codebase, branch),
          idleMs: (codebase, branch) => this.idleMs(codebase, branch),
          budget: options.budget,
          wakeTimeoutMs: options.wake?.timeoutMs,
          wakesAtOnce: options.wake?.atOnce,
          wakesQueued: options.wake?.queued,
          maxFailures: options.wake?.maxFailures,
          failedForMs: options.wake?.failedForMs,
          sweepMs: options.wake?.sweepMs,
          events: options.events,
        })
      : undefined;
  }

  static async start(options: GatewayManagerOptions): Promise<GatewayManager> {
    const workspace = await loadWorkspace(options.paths.root);
    if (options.only) {
      const known = workspace.gateways.map((g) => g.name);
      const missing = options.only.filter((name) => !known.includes(name));
      if (missing.length > 0) throw unknownGateway(missing[0]!, known);
    }
    const ca = await LocalCa.open(options.paths, workspace.manifest.name);
    // Without a sink from the engine, this manager keeps the access logs itself (`gateway run`).
    const own = options.log ? undefined : await LogService.open({ workspace, events: options.events });
    const log: AccessLogSink = options.log ?? { write: own!.accessLog.write, close: () => own!.dispose() };
    const manager = new GatewayManager(options, ca, log, new BranchDocuments());
    try {
      const facts = await readCodebaseFacts(options.paths);
      manager.facts = facts;
      for (const entry of workspace.gateways.filter((g) => !options.only || options.only.includes(g.name))) {
        const { table, sources } = await gatewayTable(workspace, facts, entry, options.routeSource);
        const slot: Slot = { entry, instance: null, error: null, table, sources };
        manager.slots.set(entry.name, slot);
        try {
          slot.instance = await GatewayInstance.start({
            name: entry.name,
            file: entry.file,
            host: entry.config.host,
            port: options.ports?.port ?? entry.config.port,
            httpPort: options.ports ? options.ports.httpPort : entry.config.httpPort,
            limits: { ...DEFAULT_LIMITS, ...entry.config.limits },
            ca,
            log: manager.log,
            documents: manager.documents,
            table,
            upstream: options.upstream,
            auth: options.authLimits ? new BasicAuthChecker(options.authLimits) : undefined,
            wakeups: manager.wakeups,
          });
        } catch (error) {
          if (options.strict) throw error;
          slot.error = describeError(error);
          options.events?.emit('progress', {
            task: `gateway:${entry.name}`,
            step: 'failed',
            message: slot.error,
            done: 1,
            total: 1,
          });
        }
      }
    } catch (error) {
      await manager.dispose();
      throw error;
    }
    return manager;
  }

  /**
   * Reads the files again and swaps every gateway's route table. Calls are queued, so the last
   * one always sees the newest files. A broken file keeps the tables as they were.
   */
  reload(): Promise<void> {
    const next = this.reloading.then(async () => {
      const workspace = await loadWorkspace(this.options.paths.root);
      const facts = await readCodebaseFacts(this.options.paths);
      this.facts = facts;
      for (const entry of workspace.gateways) {
        const slot = this.slots.get(entry.name);
        if (!slot) continue;
        const { table, sources } = await gatewayTable(workspace, facts, entry, this.options.routeSource);
        slot.entry = entry;
        slot.table = table;
        slot.sources = sources;
        slot.instance?.setTable(table);
      }
      this.options.events?.emit('gateway.reloaded', { gateways: [...this.slots.keys()] });
    });
    this.reloading = next.catch(() => undefined);
    return next;
  }

  status(): GatewayStatus[] {
    return [...this.slots.values()].map((slot) =>
      statusOf(slot.entry, slot.table, slot.sources, slot.instance, slot.error),
    );
  }

  /** The branch a gateway serves for a codebase now, or null. */
  routeOf(gateway: string, codebase: string): number | null {
    return this.slots.get(gateway)?.table.routes.find((r) => r.codebase === codebase)?.branch ?? null;
  }

  /** A branch's idle time: the longest any gateway that serves it asks, or null when one pins it awake. */
  private idleMs(codebase: string, branch: number): number | null {
    const facts = this.facts.find((f) => f.name === codebase);
    const own = facts?.sleepMinutes;
    let minutes: number | undefined;
    for (const slot of this.slots.values()) {
      const config = slot.entry.config;
      const routed = slot.table.routes.some((r) => r.codebase === codebase && r.branch === branch);
      if (!routed && !branchHostsOn(config)) continue;
      if (routed && (config.sleep?.pinned || facts?.pinnedOn.includes(slot.entry.name))) return null;
      minutes = Math.max(minutes ?? 0, config.sleep?.idleMinutes ?? own ?? DEFAULT_IDLE_MINUTES);
    }
    return (minutes ?? own ?? DEFAULT_IDLE_MINUTES) * 60_000;
  }

  /** The engine started a branch itself: it is live (and no longer marked failed). */
  branchRunning(codebase: string, branch: number): void {
    this.wakeups?.running(codebase, branch);
  }

  /** Sleeping / waking / live / failed, for the branches the gateways have seen. */
  branchStates(): Array<{
    codebase: string;
    branch: number;
    state: BranchState;
    lastUsed: number;
    reason: string | null;
  }> {
    return this.wakeups?.states() ?? [];
  }

  async dispose(): Promise<void> {
    this.wakeups?.dispose();
    await Promise.all([...this.slots.values()].map((slot) => slot.instance?.dispose()));
    this.slots.clear();
    // Each gateway closed its own connections to the branches.
    await this.log.close();
  }
}

export function routesOfFile(entry: GatewayEntry): ReadonlyMap<string, number> {
  return new Map(Object.entries(entry.config.routes).map(([codebase, branch]) => [codebase, Number(branch)]));
}

export function unknownGateway(name: string, known: string[]): BranchyardError {
  return new BranchyardError('NotFoundError', `no gateway named "${name}" (gateways: ${known.join(', ') || 'none'})`);
}

interface CodebaseFacts {
  name: string;
  activeBranch: number | null;
  domains: readonly string[];
  /** Every branch, for their own host names. */
  branches: number[];
  sleepMinutes: number | undefined;
  /** The gateways on which this codebase's routed branches never sleep (its codebase.json). */
  pinnedOn: readonly string[];
}

/** Each codebase's active branch and domains, read once for all gateways. */
async function readCodebaseFacts(paths: WorkspacePaths): Promise<CodebaseFacts[]> {
  return Promise.all(
    (await codebaseNames(paths)).map(async (name) => {
      const settings = await readCodebaseSettings(paths, name);
      const folders = await readdir(path.join(paths.codebase(name), 'metadata', 'branches')).catch(
        () => [] as string[],
      );
      const branches = folders.filter((f) => /^\d{5}$/.test(f)).map(Number);
      return {
        name,
        activeBranch: await readActiveBranch(paths, name),
        domains: settings.domains,
        branches,
        sleepMinutes: settings.sleep?.idleMinutes,
        pinnedOn: settings.sleep?.pinned ?? [],
      };
    }),
  );
}

/** A gateway's route table as the files (or `routeSource`) say, and where each route came from. */
async function gatewayTable(
  workspace: Workspace,
  facts: CodebaseFacts[],
  entry: GatewayEntry,
  routeSource?: RouteSource,
) {
  const explicit = routeSource ? await routeSource(entry.name) : routesOfFile(entry);
  const sources = new Map<string, 'route' | 'active-branch' | 'none'>();
  const codebases = facts.map(({ name, activeBranch, domains, branches }) => {
    const routed = explicit.get(name);
    sources.set(name, routed !== undefined ? 'route' : activeBranch !== null ? 'active-branch' : 'none');
    return { name, branch: routed ?? activeBranch, domains, branches };
  });
  const table = buildRouteTable({
    workspace: workspace.manifest.name,
    gateway: entry.name,
    config: entry.config,
    codebases,
    label: needsLabel(entry.config) ? await hiddenLabel(workspace.paths, entry.name) : undefined,
    socketPath: (codebase, branch) => branchSocketPath(workspace.paths, codebase, branch),
  });
  return { table, sources };
}

/** What `gateway list` shows when no engine runs: the same routes, not listening. */
export async function describeGateways(workspace: Workspace): Promise<GatewayStatus[]> {
  const facts = await readCodebaseFacts(workspace.paths);
  return Promise.all(
    workspace.gateways.map(async (entry) => {
      const { table, sources } = await gatewayTable(workspace, facts, entry);
      return statusOf(entry, table, sources, undefined, 'the engine is not running');
    }),
  );
}

function statusOf(
  entry: GatewayEntry,
  table: RouteTable,
  sources: Map<string, 'route' | 'active-branch' | 'none'>,
  instance: GatewayInstance | null | undefined,
  error: string | null,
): GatewayStatus {
  const { config, name } = entry;
  const addresses = instance?.addresses();
  return {
    name,
    host: config.host,
    port: addresses?.port ?? config.port,
    httpPort: addresses ? addresses.httpPort : config.httpPort,
    protected: config.protected,
    follow: config.follow,
    promotesTo: config.promotesTo,
    listening: Boolean(instance),
    error,
    hostName: table.gatewayName,
    routes: table.routes.map((route) => ({
      codebase: route.codebase,
      branch: route.branch,
      source: sources.get(route.codebase) ?? 'none',
      hosts: [...table.hosts]
        .filter(([, target]) => target.kind === 'codebase' && target.route === route)
        .map(([host]) => host),
      url: route.url,
    })),
  };
}
