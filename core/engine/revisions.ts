// Dev revisions through the engine: `prompt` opens one, `answer` goes on with one waiting for the
// user and `resume` with one an engine was stopped in; each returns at once while the revision
// runs on as a job of this engine (a closed window or a CLI that goes away cancels nothing), and
// `watch` streams a revision's progress until it stops. The jobs are this engine's alone (two
// workspaces never share them) and stop when it is disposed: each is left where its last turn
// got to and marked interrupted, to be resumed.
import type { RevisionOutcome } from '../agent/index.ts';
import { discardRevision, interruptOpenRevisions, LlmClient, runRevision } from '../agent/index.ts';
import { BranchyardError } from '../errors/index.ts';
import type { EngineEvent } from '../events/index.ts';
import { formatRevision, newestBranch, parseRevisionNumber, readBranchInfo } from '../git/index.ts';
import { addPrompt, openRevision, readRevision } from '../revisions/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { revisionId, spent } from '../store/index.ts';
import type { Workspace } from '../workspace/index.ts';
import type { BranchRef, CodebaseRef } from './branch-ref.ts';
import type { Engine } from './engine.ts';
import { untilEvent } from './until-event.ts';

/** Enough for a long revision's streamed text; older events are dropped first. */
const KEPT_EVENTS = 20_000;
/** How long a new branch's launch waits for the gateways that follow the newest branch. */
const FOLLOW_WAIT_MS = 20_000;

interface Job {
  done: Promise<RevisionOutcome | undefined>;
  /** Its events so far: a client that starts watching late is shown everything from the start. */
  events: EngineEvent[];
  stop: AbortController;
}

function ofRevision(event: EngineEvent, codebase: string, revision: number): boolean {
  if (!('payload' in event)) return false;
  const payload = event.payload as { codebase?: string; revision?: number; number?: number };
  return payload.codebase === codebase && (payload.revision ?? payload.number) === revision;
}

export class RevisionService implements Disposable {
  /** This engine's running revisions, by `codebase:revision` (one workspace per engine). */
  private readonly jobs = new Map<string, Job>();
  private disposed = false;

  constructor(private readonly engine: Engine) {}

  /** Whether this engine runs the revision now. */
  running(codebase: string, revision: number): boolean {
    return this.jobs.has(`${codebase}:${revision}`);
  }

  /** How many revisions this engine runs now. */
  get size(): number {
    return this.jobs.size;
  }

  /** `from`: the parent branch, already parsed; the newest when absent. */
  async prompt(ref: CodebaseRef, input: { text: string; from?: number; apiKey?: string }) {
    const key = this.keyOf(ref.workspace, input.apiKey);
    await this.engine.runtime();
    this.engine.liveGateways();
    const parent = input.from ?? (await newestBranch(ref.codebase));
    await readBranchInfo(ref.codebase, parent); // names the branch when there is none
    const revision = await openRevision({
      codebase: ref.codebase,
      state: await this.engine.parts.state(),
      events: this.engine.events,
      prompt: input.text,
      parentBranch: parent,
    });
    this.start(ref, revision.info.number, key);
    return { codebase: ref.name, revision: revision.info.number, parent };
  }

  async answer(ref: CodebaseRef, input: { revision: string | number; text: string; apiKey?: string }) {
    const number = parseRevisionNumber(input.revision);
    const revision = await readRevision(ref.codebase, number);
    if (revision.info.status !== 'needs-answer') {
      throw new BranchyardError(
        'InvalidInputError',
        `dev revision ${formatRevision(number)} of ${ref.name} is ${revision.info.status}, not waiting for an answer`,
      );
    }
    const key = this.keyOf(ref.workspace, input.apiKey);
    await this.engine.runtime();
    await addPrompt({
      codebase: ref.codebase,
      state: await this.engine.parts.state(),
      events: this.engine.events,
      number,
      kind: 'answer',
      text: input.text,
    });
    this.start(ref, number, key);
    return { codebase: ref.name, revision: number };
  }

  /** Goes on with a revision an engine was stopped in, from its last completed turn. */
  async resume(ref: CodebaseRef, input: { revision: string | number; apiKey?: string }) {
    const number = parseRevisionNumber(input.revision);
    const revision = await readRevision(ref.codebase, number);
    if (revision.info.status !== 'interrupted') {
      throw new BranchyardError(
        'InvalidInputError',
        `dev revision ${formatRevision(number)} of ${ref.name} is ${revision.info.status}; only a revision the engine was stopped in (interrupted) can be resumed`,
      );
    }
    const key = this.keyOf(ref.workspace, input.apiKey);
    await this.engine.runtime();
    this.engine.liveGateways();
    this.start(ref, number, key);
    return { codebase: ref.name, revision: number };
  }

  /** Drops an interrupted revision (or one waiting for an answer) for good. */
  async discard(codebase: string, revision: string | number) {
    const number = parseRevisionNumber(revision);
    if (this.running(codebase, number))
      throw new BranchyardError(
        'InvalidInputError',
        `dev revision ${formatRevision(number)} of ${codebase} is running; it can be discarded once it stops`,
      );
    return discardRevision({
      workspace: await this.engine.workspace(),
      db: await this.engine.parts.state(),
      events: this.engine.events,
      codebase,
      revision: number,
    });
  }

  /** The revision's events as it goes, ending with `revision.ended`; one closing event when it does not run here. */
  async *watch(codebase: string, revision: number, signal: AbortSignal | undefined): AsyncGenerator<EngineEvent> {
    // Live events are queued from here on, before the ones so far are read: none falls between
    // (a subscription made only when the replay is read could miss the revision's end).
    const queue: EngineEvent[] = [];
    let wake: (() => void) | undefined;
    const subscription = this.engine.events.onAny((event) => {
      queue.push(event);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const current = this.jobs.get(`${codebase}:${revision}`);
      if (!current) {
        yield await this.ended(await this.engine.codebase(codebase), revision);
        return;
      }
      const mine = (event: EngineEvent) => ofRevision(event, codebase, revision);
      const replayed = new Set(current.events);
      for (const event of [...replayed]) yield event;
      while (!signal?.aborted) {
        const event = queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        if (replayed.has(event)) continue;
        if (event.type === 'progress' || mine(event)) yield event;
        if (event.type === 'revision.ended' && mine(event)) break;
      }
    } finally {
      void subscription.dispose();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The user's Stop: the running revision is left where its last completed turn got to and
   * marked interrupted, to be resumed or discarded like one the engine was stopped in.
   */
  async stop(codebase: string, revision: string | number) {
    const number = parseRevisionNumber(revision);
    const job = this.jobs.get(`${codebase}:${number}`);
    if (!job)
      throw new BranchyardError(
        'InvalidInputError',
        `dev revision ${formatRevision(number)} of ${codebase} is not running in this engine`,
      );
    job.stop.abort();
    const outcome = await job.done;
    if (outcome?.status !== 'open') return { codebase, revision: number, status: outcome?.status ?? 'failed' };
    const cut = await interruptOpenRevisions({
      workspace: await this.engine.workspace(),
      db: await this.engine.parts.state(),
      events: this.engine.events,
      running: (c, r) => !(c === codebase && r === number),
    });
    for (const c of cut)
      this.engine.events.emit('revision.ended', {
        codebase: c.codebase,
        revision: c.revision,
        status: 'interrupted',
        branch: null,
        costMicroUsd: c.costMicroUsd,
        message: 'stopped by the user; resume it to go on from its last turn, or discard it',
        gateways: [],
      });
    return { codebase, revision: number, status: 'interrupted' };
  }

  /** Stops every running revision (each left where its last turn got to) and marks them interrupted. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const jobs = [...this.jobs.values()];
    if (jobs.length === 0) return;
    for (const job of jobs) job.stop.abort();
    const left = (await Promise.all(jobs.map((job) => job.done))).filter(
      (o): o is RevisionOutcome => o?.status === 'open',
    );
    if (left.length === 0) return;
    const workspace = await this.engine.workspace();
    const db = await this.engine.parts.state();
    const mine = new Set(left.map((o) => `${o.codebase}:${o.revision}`));
    for (const cut of await interruptOpenRevisions({
      workspace,
      db,
      events: this.engine.events,
      running: (c, r) => !mine.has(`${c}:${r}`),
    })) {
      // Watchers of the revision hear that it stopped.
      this.engine.events.emit('revision.ended', {
        codebase: cut.codebase,
        revision: cut.revision,
        status: 'interrupted',
        branch: null,
        costMicroUsd: cut.costMicroUsd,
        message: 'the engine stopped while this revision was running',
        gateways: [],
      });
    }
  }

  /** What the records say of a revision that does not run here, as one last event. */
  private async ended(ref: CodebaseRef, number: number): Promise<EngineEvent> {
    const revision = await readRevision(ref.codebase, number);
    const db = await this.engine.parts.state();
    const id = await revisionId(db, ref.name, number);
    const costMicroUsd = id === undefined ? 0 : await spent(db, { devRevisionId: id });
    return {
      type: 'revision.ended',
      payload: {
        codebase: ref.name,
        revision: number,
        status: revision.info.status,
        branch: revision.branch,
        costMicroUsd,
        message: revision.responses.at(-1)?.text ?? '',
        gateways: [],
      },
      at: new Date().toISOString(),
    };
  }

  private keyOf(workspace: Workspace, given: string | undefined): string {
    const key = this.engine.env[workspace.ai.keyEnv] || given;
    if (!key) {
      throw new BranchyardError('AgentKeyMissingError', `no API key for ${workspace.ai.baseUrl}`, {
        hint: { do: 'set-key', keyEnv: workspace.ai.keyEnv },
      });
    }
    return key;
  }

  private start(ref: CodebaseRef, revision: number, key: string): void {
    const { events } = this.engine;
    const id = `${ref.name}:${revision}`;
    if (this.disposed)
      throw new BranchyardError(
        'EngineNotRunningError',
        `dev revision ${formatRevision(revision)} of ${ref.name} was not started: the engine is stopping`,
      );
    if (this.jobs.has(id))
      throw new BranchyardError(
        'InvalidInputError',
        `dev revision ${formatRevision(revision)} of ${ref.name} is already running`,
      );
    const kept: EngineEvent[] = [];
    const recording = events.onAny((event) => {
      if (!ofRevision(event, ref.name, revision)) return;
      kept.push(event);
      if (kept.length > KEPT_EVENTS) kept.splice(0, kept.length - KEPT_EVENTS);
    });
    const stop = new AbortController();
    const { workspace } = ref;
    const job = (async () => {
      const sandbox = await this.engine.sandbox(workspace);
      const llm = new LlmClient({
        provider: workspace.ai.provider,
        baseUrl: workspace.ai.baseUrl,
        model: workspace.ai.model,
        apiKey: key,
      });
      return runRevision(
        {
          workspace,
          codebase: ref.codebase,
          db: await this.engine.parts.state(),
          events,
          sandbox,
          llm,
          config: workspace.ai,
          signal: stop.signal,
          launch: (branch) => this.launch({ ...ref, branch }, stop.signal),
        },
        revision,
      );
    })().finally(() => {
      this.jobs.delete(id);
      void recording.dispose();
    });
    const done = job.catch((error: unknown) => {
      events.emit('progress', { task: `revision:${id}`, step: 'failed', message: String(error), done: 1, total: 1 });
      return undefined;
    });
    this.jobs.set(id, { done, events: kept, stop });
  }

  /**
   * Builds and starts the branch, then waits (briefly) for the gateways that follow the newest
   * branch to serve it, or a newer one (another revision may have finished meanwhile).
   */
  private async launch(ref: BranchRef, signal: AbortSignal): Promise<{ gateways: string[] }> {
    await this.engine.branches.run(ref);
    const gateways = this.engine.liveGateways();
    const followers = ref.workspace.gateways.filter((g) => g.config.follow === 'newest').map((g) => g.name);
    const served = () => followers.every((g) => (gateways.routeOf(g, ref.name) ?? 0) >= ref.branch);
    await untilEvent(this.engine.events, ['gateway.reloaded', 'gateway.promoted'], served, {
      timeoutMs: FOLLOW_WAIT_MS,
      signal,
    });
    return { gateways: followers.filter((g) => gateways.routeOf(g, ref.name) === ref.branch) };
  }
}
