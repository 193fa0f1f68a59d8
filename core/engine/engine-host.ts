// The live engine, on whichever workspace is open now: the window's workspace picker switches
// it. The engine of the old workspace stops before the new one starts (they would want the same
// gateway ports; its running revisions are interrupted, to be resumed there); a workspace that
// cannot be opened leaves the old one running, and says why.
import { BranchyardError, describeError } from '../errors/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { loadWorkspace, rememberWorkspace } from '../workspace/index.ts';
import type { Engine } from './engine.ts';
import type { EngineHandle, EngineOptions } from './live-engine.ts';
import { startEngine } from './live-engine.ts';

export interface EngineHostOptions extends EngineOptions {
  /** Told of every engine that starts, the first included (serve writes its address file). */
  onStarted?: (engine: EngineHandle) => Promise<void>;
  /** Told of every engine about to stop. */
  onStopping?: (engine: EngineHandle) => Promise<void>;
}

export class EngineHost implements Disposable {
  private switching: Promise<unknown> = Promise.resolve();

  private constructor(
    private current: EngineHandle,
    private readonly options: EngineHostOptions,
  ) {}

  static async start(options: EngineHostOptions): Promise<EngineHost> {
    const engine = await startEngine(options);
    await options.onStarted?.(engine);
    await rememberWorkspace(options.env, engine.workspace.paths.root).catch(() => undefined);
    return new EngineHost(engine, options);
  }

  get engine(): EngineHandle {
    return this.current;
  }

  /** A context for one call of the router: the engine open now, and the picker's switch. */
  context(): { engine: Engine; switchWorkspace: (dir: string) => Promise<{ root: string; name: string }> } {
    return { engine: this.current.engine, switchWorkspace: (dir) => this.switchTo(dir) };
  }

  /** Opens another workspace in place of this one; one switch at a time. */
  switchTo(dir: string): Promise<{ root: string; name: string }> {
    const next = this.switching.then(() => this.doSwitch(dir));
    this.switching = next.catch(() => undefined);
    return next;
  }

  private async doSwitch(dir: string): Promise<{ root: string; name: string }> {
    // Checked before anything stops: a folder that is not a workspace changes nothing.
    const target = await loadWorkspace(dir).catch((error: unknown) => {
      throw new BranchyardError(
        'WorkspaceNotFoundError',
        `cannot open ${dir} as a workspace (${describeError(error)}); ${this.current.workspace.paths.root} stays open`,
        { cause: error },
      );
    });
    if (target.paths.root === this.current.workspace.paths.root)
      return { root: target.paths.root, name: target.manifest.name };
    const previous = this.current.workspace.paths.root;
    await this.options.onStopping?.(this.current);
    await this.current.dispose();
    try {
      this.current = await startEngine({ ...this.options, workspaceRoot: target.paths.root });
    } catch (error) {
      this.current = await startEngine({ ...this.options, workspaceRoot: previous });
      await this.options.onStarted?.(this.current);
      throw new BranchyardError(
        'WorkspaceConfigError',
        `cannot open the workspace at ${target.paths.root}: ${describeError(error)}; ${previous} stays open`,
        { cause: error },
      );
    }
    await this.options.onStarted?.(this.current);
    await rememberWorkspace(this.options.env, target.paths.root).catch(() => undefined);
    return { root: target.paths.root, name: target.manifest.name };
  }

  async dispose(): Promise<void> {
    await this.switching;
    await this.options.onStopping?.(this.current);
    await this.current.dispose();
  }
}
