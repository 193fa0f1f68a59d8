// Sleep when idle, wake on demand, shared by every gateway of an engine (a branch may be routed
// by several). A branch with no request for its idle time is put to sleep (its process stopped,
// its routes kept); the first request for a sleeping branch is held while it wakes, and every
// request that comes meanwhile waits for the same wake. A branch that fails to wake several
// times in a row is marked failed and answered 503 at once for a while: it never wakes in a
// loop. Past the live budget, the least recently used branches sleep first, before the wake
// that needs their room (the model of Knative's activator and Fly.io's autostart). Wakes go in
// turns, a few at once, so a storm of first requests does not start dozens of processes together.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { describeError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import { formatBranch } from '../git/index.ts';
import type { Disposable } from '../lifecycle/index.ts';

/** What the engine does for the gateways: the branch runtime, behind two calls. */
export interface BranchLifecycle {
  /** Makes the branch run and answer its health route. */
  wake(codebase: string, branch: number): Promise<void>;
  /** Stops the branch's process; its routes stay and its next request wakes it. */
  sleep(codebase: string, branch: number): Promise<void>;
  /** Resident memory of each live branch (`<codebase>:<n>`; 0 when not measured yet), for the budget. */
  memory?(): Promise<ReadonlyMap<string, number>>;
}

export interface WakeupsOptions {
  lifecycle: BranchLifecycle;
  socketPath: (codebase: string, branch: number) => string;
  /** A branch's idle time in ms, or null when it never sleeps (pinned). */
  idleMs: (codebase: string, branch: number) => number | null;
  /** The live budget: past it the least recently used branches sleep. */
  budget?: { maxBranches?: number; maxMemoryBytes?: number };
  wakeTimeoutMs?: number;
  /** Wakes under way at once; more wait their turn (default: twice the cores). */
  wakesAtOnce?: number;
  /** Wakes waiting their turn; past it a first request is told to retry (default: 32 per wake at once). */
  wakesQueued?: number;
  /** Failed wakes in a row that mark a branch failed. */
  maxFailures?: number;
  /** How long a failed branch is answered 503 at once before one more wake is tried. */
  failedForMs?: number;
  /** How often idle branches are looked for. */
  sweepMs?: number;
  events?: EventBus;
}

export type BranchState = 'live' | 'sleeping' | 'waking' | 'failed';

/** Why a request for a branch could not be served: said to the client with a 503. */
export interface WakeFailure {
  reason: string;
  retryAfterSeconds: number;
}

interface Entry {
  codebase: string;
  branch: number;
  state: BranchState;
  lastUsed: number;
  inFlight: number;
  failures: number;
  reason: string | null;
  failedUntil: number;
  waking: Promise<WakeFailure | null> | null;
}

export class Wakeups implements Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;
  private sweeping = false;
  private budgetRun: Promise<void> = Promise.resolve();
  private wakesRunning = 0;
  /** Wakes waiting for one under way to finish, in the order they were asked for. */
  private readonly wakeQueue: Array<() => void> = [];

  constructor(private readonly options: WakeupsOptions) {
    this.timer = setInterval(() => void this.sweep(), options.sweepMs ?? 15_000);
    this.timer.unref();
  }

  /**
   * Called for each request routed to a branch: null when it is live (go on at once), otherwise
   * a promise of null once it woke, or of why it cannot be served.
   */
  ready(codebase: string, branch: number): Promise<WakeFailure | null> | null {
    const entry = this.entry(codebase, branch);
    entry.lastUsed = Date.now();
    if (entry.state === 'live') return null;
    if (entry.state === 'waking') return entry.waking;
    if (entry.state === 'failed' && Date.now() < entry.failedUntil) {
      return Promise.resolve({
        reason: entry.reason ?? 'it failed to start',
        retryAfterSeconds: Math.max(1, Math.ceil((entry.failedUntil - Date.now()) / 1000)),
      });
    }
    return this.wake(entry);
  }

  /** A request is at the branch: it does not sleep until the request is done. Returns the call that says it is done. */
  enter(codebase: string, branch: number): () => void {
    const entry = this.entry(codebase, branch);
    entry.inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      entry.inFlight--;
      entry.lastUsed = Date.now();
    };
  }

  /** The branch's socket refused a request: its next request wakes it. */
  gone(codebase: string, branch: number): void {
    const entry = this.entries.get(key(codebase, branch));
    if (entry?.state === 'live') entry.state = 'sleeping';
  }

  /** The engine started the branch itself (a run, a promotion): live, and no longer failed. */
  running(codebase: string, branch: number): void {
    const entry = this.entry(codebase, branch);
    Object.assign(entry, { state: 'live', failures: 0, reason: null, failedUntil: 0, lastUsed: Date.now() });
    void this.enforceBudget(entry);
  }

  /** Each known branch's state, for branch lists. */
  states(): Array<{ codebase: string; branch: number; state: BranchState; lastUsed: number; reason: string | null }> {
    return [...this.entries.values()].map(({ codebase, branch, state, lastUsed, reason }) => ({
      codebase,
      branch,
      state,
      lastUsed,
      reason,
    }));
  }

  private entry(codebase: string, branch: number): Entry {
    const k = key(codebase, branch);
    let entry = this.entries.get(k);
    if (!entry) {
      // First sight: a branch whose socket exists runs (it was started before the gateway knew it).
      const live = existsSync(this.options.socketPath(codebase, branch));
      entry = {
        codebase,
        branch,
        state: live ? 'live' : 'sleeping',
        lastUsed: Date.now(),
        inFlight: 0,
        failures: 0,
        reason: null,
        failedUntil: 0,
        waking: null,
      };
      this.entries.set(k, entry);
    }
    return entry;
  }

  private wake(entry: Entry): Promise<WakeFailure | null> {
    const what = `branch ${formatBranch(entry.branch)} of ${entry.codebase}`;
    const task = `wake:${entry.codebase}:${entry.branch}`;
    const timeoutMs = this.options.wakeTimeoutMs ?? 60_000;
    const started = Date.now();
    // A burst far past what the machine starts in a wake timeout's time is told to come back, not
    // held open for minutes: the branch stays asleep and is not marked failed, and no other branch is
    // put to sleep to make room for it.
    // Counted from the entries, not the queue: a wake joins the queue (or takes a free turn) only
    // once its room is made, a moment after it is asked for.
    const waking = [...this.entries.values()].filter((e) => e.state === 'waking').length;
    const waiting = Math.max(0, waking - this.wakesAtOnce());
    if (waiting >= this.wakesQueued()) {
      const full = {
        reason: `${what} is not woken yet: ${waiting} wakes are already waiting their turn (${this.wakesAtOnce()} at once)`,
        retryAfterSeconds: Math.max(1, Math.ceil(waiting / this.wakesAtOnce())),
      };
      this.options.events?.emit('progress', { task, step: 'full', message: full.reason });
      return Promise.resolve(full);
    }
    const room = this.makeRoom(entry);
    if ('full' in room) {
      this.options.events?.emit('progress', { task, step: 'full', message: `${what} not woken: ${room.full.reason}` });
      return Promise.resolve(room.full);
    }
    entry.state = 'waking';
    const asked = this.wakesRunning + this.wakeQueue.length;
    const turn =
      asked >= this.wakesAtOnce() ? `, after ${asked} wakes already asked for (${this.wakesAtOnce()} at once)` : '';
    this.options.events?.emit('progress', {
      task,
      step: 'wake',
      message: `waking ${what} for a request${turn}`,
      done: 0,
      total: 1,
    });
    // The timeout is the wake's own: it starts when the wake does, not while it waits its turn.
    const woken = room.sleeping
      .then(() => this.wakeTurn())
      .then(() => {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<never>(
          (_, reject) =>
            (timer = setTimeout(
              () => reject(new Error(`it did not wake within ${Math.round(timeoutMs / 1000)} s`)),
              timeoutMs,
            )),
        );
        return Promise.race([this.options.lifecycle.wake(entry.codebase, entry.branch), timedOut]).finally(() => {
          clearTimeout(timer);
          this.endWakeTurn();
        });
      });
    entry.waking = woken.then(
      () => {
        Object.assign(entry, { state: 'live', failures: 0, reason: null, waking: null, lastUsed: Date.now() });
        void this.enforceBudget(entry);
        this.options.events?.emit('progress', {
          task,
          step: 'awake',
          message: `${what} woke in ${Date.now() - started} ms`,
          done: 1,
          total: 1,
        });
        return null;
      },
      (error: unknown) => {
        entry.failures++;
        entry.reason = describeError(error).split('\n')[0]!;
        entry.waking = null;
        const failed = entry.failures >= (this.options.maxFailures ?? 3);
        entry.state = failed ? 'failed' : 'sleeping';
        const forMs = failed ? (this.options.failedForMs ?? 60_000) : 0;
        entry.failedUntil = Date.now() + forMs;
        // A failed wake may leave a process behind (a timeout): it is stopped, not left to loop.
        void this.options.lifecycle.sleep(entry.codebase, entry.branch).catch(() => undefined);
        this.options.events?.emit('progress', {
          task,
          step: failed ? 'failed' : 'wake-failed',
          message: `${what} could not wake (${entry.failures} in a row${failed ? '; marked failed, no more wakes for a while' : ''}): ${entry.reason}`,
          done: 1,
          total: 1,
        });
        return {
          reason: `${what} could not start: ${entry.reason}`,
          retryAfterSeconds: failed ? Math.ceil(forMs / 1000) : 5,
        };
      },
    );
    return entry.waking;
  }

  private wakesAtOnce(): number {
    return this.options.wakesAtOnce ?? 2 * os.availableParallelism();
  }

  private wakesQueued(): number {
    return this.options.wakesQueued ?? 32 * this.wakesAtOnce();
  }

  /**
   * Resolves when this wake may start. Starting a branch is mostly CPU (Node loading its bundle):
   * a storm of first requests starting dozens at once on a few cores made each take tens of
   * seconds and neared the wake timeout; in turns, each starts in about its unloaded time.
   */
  private wakeTurn(): Promise<void> {
    if (this.wakesRunning < this.wakesAtOnce()) {
      this.wakesRunning++;
      return Promise.resolve();
    }
    // The turn is handed over by the wake that ends, so the count stays as it is.
    return new Promise((resolve) => this.wakeQueue.push(resolve));
  }

  private endWakeTurn(): void {
    const next = this.wakeQueue.shift();
    if (next) next();
    else this.wakesRunning--;
  }

  /**
   * Before a wake past the count budget, the least recently used idle branches are put to sleep
   * first (and the wake waits for them), so first requests arriving together never run more
   * than the budget at once. When every other awake branch is busy (waking, or a request in it)
   * there is no room: the request is answered 503 with Retry-After and the branch is not marked
   * failed. Chosen synchronously, so wakes starting together never pick the same room.
   */
  private makeRoom(waking: Entry): { full: WakeFailure } | { sleeping: Promise<unknown> } {
    const max = this.options.budget?.maxBranches;
    if (max === undefined) return { sleeping: Promise.resolve() };
    const awake = [...this.entries.values()].filter(
      (e) => e !== waking && (e.state === 'live' || e.state === 'waking'),
    ).length;
    const over = awake + 1 - max;
    if (over <= 0) return { sleeping: Promise.resolve() };
    const victims = this.sleepCandidates(waking).slice(0, over);
    if (victims.length < over)
      return {
        full: {
          reason: `the ${max} branches the live budget allows are all busy (waking or serving a request); try again shortly`,
          retryAfterSeconds: 1,
        },
      };
    const why = `${max} branches were live and another was asked for; it was the least recently used`;
    return { sleeping: Promise.all(victims.map((victim) => this.putToSleep(victim, why))) };
  }

  /** Live branches that may sleep now (no request in them, not pinned), least recently used first. */
  private sleepCandidates(keep: Entry | undefined): Entry[] {
    return [...this.entries.values()]
      .filter(
        (e) =>
          e !== keep && e.state === 'live' && e.inFlight === 0 && this.options.idleMs(e.codebase, e.branch) !== null,
      )
      .sort((a, b) => a.lastUsed - b.lastUsed);
  }

  /** Puts idle branches to sleep. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const entry of this.entries.values()) {
        if (entry.state !== 'live' || entry.inFlight > 0) continue;
        const idle = this.options.idleMs(entry.codebase, entry.branch);
        if (idle !== null && now - entry.lastUsed >= idle)
          await this.putToSleep(entry, `no request for ${Math.round((now - entry.lastUsed) / 1000)} s`);
      }
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Past the budget (count, then memory), the least recently used live branches sleep; `keep`
   * (the branch just woken or started, its request not yet at it) never does. Runs one at a time.
   */
  private enforceBudget(keep?: Entry): Promise<void> {
    const budget = this.options.budget;
    if (!budget || (budget.maxBranches === undefined && budget.maxMemoryBytes === undefined)) return Promise.resolve();
    const next = this.budgetRun.then(() => this.enforceBudgetNow(budget, keep));
    this.budgetRun = next.catch(() => undefined);
    return next;
  }

  private async enforceBudgetNow(
    budget: NonNullable<WakeupsOptions['budget']>,
    keep: Entry | undefined,
  ): Promise<void> {
    const memory = this.options.lifecycle.memory
      ? await this.options.lifecycle.memory().catch(() => undefined)
      : undefined;
    // Branches that run although no gateway request reached them yet (started before this engine,
    // or by hand) count too, as the least recently used.
    for (const k of memory?.keys() ?? []) {
      if (this.entries.has(k)) continue;
      const at = k.lastIndexOf(':');
      Object.assign(this.entry(k.slice(0, at), Number(k.slice(at + 1))), { state: 'live', lastUsed: 0 });
    }
    const candidates = () => this.sleepCandidates(keep);
    const live = () => [...this.entries.values()].filter((e) => e.state === 'live' || e.state === 'waking').length;
    if (budget.maxBranches !== undefined) {
      for (const entry of candidates()) {
        if (live() <= budget.maxBranches) break;
        await this.putToSleep(
          entry,
          `more than ${budget.maxBranches} branches were live; it was the least recently used`,
        );
      }
    }
    if (budget.maxMemoryBytes !== undefined && memory) {
      const liveNow = (e: Entry) => e.state === 'live' || e.state === 'waking';
      let total = [...this.entries.values()]
        .filter(liveNow)
        .reduce((sum, e) => sum + (memory.get(key(e.codebase, e.branch)) ?? 0), 0);
      for (const entry of candidates()) {
        if (total <= budget.maxMemoryBytes) break;
        total -= memory.get(key(entry.codebase, entry.branch)) ?? 0;
        await this.putToSleep(
          entry,
          `live branches used more than ${Math.round(budget.maxMemoryBytes / 1024 / 1024)} MB; it was the least recently used`,
        );
      }
    }
  }

  private async putToSleep(entry: Entry, why: string): Promise<void> {
    entry.state = 'sleeping';
    const what = `branch ${formatBranch(entry.branch)} of ${entry.codebase}`;
    try {
      await this.options.lifecycle.sleep(entry.codebase, entry.branch);
      this.options.events?.emit('progress', {
        task: `sleep:${entry.codebase}:${entry.branch}`,
        step: 'sleep',
        message: `${what} sleeps: ${why}; its next request wakes it`,
        done: 1,
        total: 1,
      });
    } catch (error) {
      entry.state = 'live';
      this.options.events?.emit('progress', {
        task: `sleep:${entry.codebase}:${entry.branch}`,
        step: 'failed',
        message: `${what} could not be put to sleep: ${describeError(error)}`,
        done: 1,
        total: 1,
      });
    }
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}

function key(codebase: string, branch: number): string {
  return `${codebase}:${branch}`;
}
