// One Engine per open workspace: the workflows that cross parts (run a branch, record a build,
// start and watch a revision, promote, check a schema), over the parts its host gives it. It owns
// the jobs those workflows leave running (dev revisions) and the listeners the live engine adds,
// and stops them when it is disposed.
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import type { GatewayManager } from '../gateway/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { DisposableStore } from '../lifecycle/index.ts';
import type { Pm2Runtime } from '../runtime/index.ts';
import type { DatabaseHost } from '../schema/index.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { openSandbox } from '../sandbox/index.ts';
import type { TerminalService } from '../terminal/index.ts';
import type { Workspace } from '../workspace/index.ts';
import { loadWorkspace } from '../workspace/index.ts';
import type { BranchRef, CodebaseRef } from './branch-ref.ts';
import { branchRef, codebaseRef } from './branch-ref.ts';
import { BranchService } from './branches.ts';
import { BuildService } from './builds.ts';
import { GatewayService } from './gateways.ts';
import type { EngineParts } from './parts.ts';
import { RevisionService } from './revisions.ts';
import { SchemaService } from './schema.ts';

export class Engine implements Disposable {
  readonly branches: BranchService;
  readonly builds: BuildService;
  readonly revisions: RevisionService;
  readonly gateways: GatewayService;
  readonly schema: SchemaService;
  private readonly owned = new DisposableStore();

  constructor(readonly parts: EngineParts) {
    this.branches = new BranchService(this);
    this.builds = new BuildService(this);
    this.gateways = new GatewayService(this);
    this.schema = new SchemaService(this);
    this.revisions = new RevisionService(this);
  }

  get events(): EventBus {
    return this.parts.events;
  }

  get env(): NodeJS.ProcessEnv {
    return this.parts.env;
  }

  get workspaceRoot(): string | undefined {
    return this.parts.workspaceRoot;
  }

  /** Takes something to dispose with the engine: after its jobs stop, and before what it took earlier. */
  own<T extends Disposable>(item: T): T {
    return this.owned.add(item);
  }

  /** The workspace, read afresh: its files may have been edited by hand since the last call. */
  async workspace(): Promise<Workspace> {
    if (!this.parts.workspaceRoot)
      throw new BranchyardError('WorkspaceNotFoundError', 'no workspace is open', { hint: { do: 'choose-workspace' } });
    return loadWorkspace(this.parts.workspaceRoot);
  }

  /** The workspace root without reading its config (a template pull may be what mends it). */
  root(): string {
    if (!this.parts.workspaceRoot)
      throw new BranchyardError('WorkspaceNotFoundError', 'no workspace is open', { hint: { do: 'choose-workspace' } });
    return this.parts.workspaceRoot;
  }

  async codebase(name: string): Promise<CodebaseRef> {
    return codebaseRef(await this.workspace(), name);
  }

  /**
   * Where code the agent wrote runs when the engine must run it (its checks, a build loading its
   * modules, drizzle-kit reading its schema): a container with no network under the workspace's
   * limits, or a child process marked as not isolated where the Docker engine does not answer.
   */
  sandbox(workspace: Workspace): Promise<Sandbox> {
    return openSandbox({
      env: this.env,
      limits: workspace.servers.limits,
      image: workspace.servers.image,
      events: this.events,
    });
  }

  /** The one place a call's codebase and branch number are turned into a BranchRef. */
  async branch(codebase: string, branch: string | number, label?: string): Promise<BranchRef> {
    return branchRef(await this.workspace(), codebase, branch, label);
  }

  runtime(): Promise<Pm2Runtime> {
    if (!this.parts.runtime)
      throw new BranchyardError('EngineNotRunningError', 'running branches needs the live engine', {
        hint: { do: 'start-engine' },
      });
    return this.parts.runtime();
  }

  liveGateways(): GatewayManager {
    if (!this.parts.gateways)
      throw new BranchyardError('EngineNotRunningError', 'promoting needs the live engine and its gateways', {
        hint: { do: 'start-engine' },
      });
    return this.parts.gateways();
  }

  databases(): DatabaseHost {
    if (!this.parts.databases)
      throw new BranchyardError(
        'EngineNotRunningError',
        "this needs the workspace's databases, which this engine has not opened",
      );
    return this.parts.databases();
  }

  terminals(): TerminalService {
    if (!this.parts.terminals)
      throw new BranchyardError('EngineNotRunningError', 'terminals need the live engine', {
        hint: { do: 'start-engine' },
      });
    return this.parts.terminals();
  }

  async dispose(): Promise<void> {
    // The jobs first: they use everything else (and record where they stopped in the state).
    try {
      await this.revisions.dispose();
    } finally {
      await this.owned.dispose();
    }
  }
}
