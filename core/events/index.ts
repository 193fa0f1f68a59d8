// The typed event bus: parts report progress and changes here; the api turns them into
// subscriptions. No part reaches into the UI (DESIGN.md §5).
import type { ErrorHint } from '../errors/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import { toDisposable } from '../lifecycle/index.ts';

/** Progress of a long piece of work, shown to the user as it goes. */
export interface ProgressEvent {
  /** Stable id of the piece of work, e.g. `init:/tmp/ws`. */
  task: string;
  step: string;
  message: string;
  /** Steps done and in all, when known. */
  done?: number;
  total?: number;
  /** What the user can do about it, which each transport words its own way (as an error's). */
  hint?: ErrorHint;
}

export interface EngineEvents {
  progress: ProgressEvent;
  'workspace.initialized': { dir: string; name: string };
  'store.migrated': { kind: 'pglite' | 'postgres'; applied: number };
  'codebase.added': { name: string };
  'branch.created': { codebase: string; number: number; parent: number | null; author: 'agent' | 'user' };
  'revision.updated': { codebase: string; number: number; status: string };
  'branch.running': { codebase: string; number: number };
  'gateway.promoted': { gateway: string; codebase: string; from: number | null; to: number; by: string };
  /** The gateways read their files and routes again (a codebase added, a file changed). */
  'gateway.reloaded': { gateways: string[] };
  /** The agent's progress in a dev revision, as it goes. */
  'agent.turn': { codebase: string; revision: number; turn: number; maxTurns: number };
  // `role`: which of the agent's roles wrote or called it (issue 22).
  'agent.text': { codebase: string; revision: number; delta: string; role?: 'product-owner' | 'developer' };
  'agent.tool': {
    codebase: string;
    revision: number;
    tool: string;
    path?: string;
    ok: boolean;
    summary: string;
    role?: 'product-owner' | 'developer';
  };
  'agent.checks': {
    codebase: string;
    revision: number;
    by: 'agent' | 'engine';
    passed: boolean;
    summary: string;
    isolation: 'container' | 'none';
  };
  'agent.spend': {
    codebase: string;
    revision: number;
    model: string;
    promptTokens: number;
    completionTokens: number;
    costMicroUsd: number;
    revisionMicroUsd: number;
    budgetMicroUsd: number;
  };
  'agent.retry': { codebase: string; revision: number; attempt: number; waitMs: number; reason: string };
  /** A log could not be written (a full disk): its lines wait in memory, up to a bound, and writing is retried. */
  'logs.error': { where: string; message: string };
  'schema.checked': {
    codebase: string;
    branch: number;
    database: string;
    status: 'passed' | 'failed' | 'unchanged';
    problems: number;
  };
  'schema.applied': { codebase: string; branch: number; database: string; migration: string };
  /** Branches whose schema copy no longer matches their database's shared schema. */
  'schema.behind': { database: string; codebase: string; branches: number[]; migration: string };
  /** A dev revision stopped: done (with its branch), waiting for an answer, or ended otherwise. */
  'revision.ended': {
    codebase: string;
    revision: number;
    status: string;
    branch: number | null;
    costMicroUsd: number;
    message: string;
    gateways: string[];
  };
}

export type EngineEvent = {
  [K in keyof EngineEvents]: { type: K; payload: EngineEvents[K]; at: string };
}[keyof EngineEvents];

export type Listener<T> = (payload: T) => void;

export interface EventBus<E extends object = EngineEvents> {
  emit<K extends keyof E>(type: K, payload: E[K]): void;
  on<K extends keyof E>(type: K, listener: Listener<E[K]>): Disposable;
  onAny(listener: (event: { [K in keyof E]: { type: K; payload: E[K]; at: string } }[keyof E]) => void): Disposable;
}

export function createEventBus<E extends object = EngineEvents>(): EventBus<E> {
  const byType = new Map<keyof E, Set<Listener<never>>>();
  const any = new Set<(event: never) => void>();

  return {
    emit(type, payload) {
      const event = { type, payload, at: new Date().toISOString() };
      // A listener that throws must not stop the others or the part that emitted.
      for (const listener of [...(byType.get(type) ?? [])])
        safely(() => (listener as Listener<typeof payload>)(payload));
      for (const listener of [...any]) safely(() => (listener as (e: typeof event) => void)(event));
    },
    on(type, listener) {
      let set = byType.get(type);
      if (!set) byType.set(type, (set = new Set()));
      set.add(listener as Listener<never>);
      return toDisposable(() => void set.delete(listener as Listener<never>));
    },
    onAny(listener) {
      any.add(listener as (event: never) => void);
      return toDisposable(() => void any.delete(listener as (event: never) => void));
    },
  };
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    console.error('event listener failed:', error);
  }
}

/**
 * Events as an async iterable that ends when `signal` aborts; this is what a tRPC
 * subscription yields. Events arriving faster than they are read are queued.
 */
export function iterateEvents<E extends object>(
  bus: EventBus<E>,
  signal: AbortSignal | undefined,
): AsyncGenerator<{ [K in keyof E]: { type: K; payload: E[K]; at: string } }[keyof E]> {
  return iterateListener((push) => bus.onAny(push), signal);
}

/**
 * Whatever a listener is given, as an async iterable (a tRPC subscription's body): items are
 * queued until read, at most `max` of them (later ones are dropped), and the iterable ends when
 * `signal` aborts or the reader stops; the listener is removed then.
 */
export async function* iterateListener<T>(
  subscribe: (push: (item: T) => void) => Disposable,
  signal: AbortSignal | undefined,
  max = Number.POSITIVE_INFINITY,
): AsyncGenerator<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  const subscription = subscribe((item) => {
    if (queue.length < max) queue.push(item);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    while (!signal?.aborted) {
      if (queue.length > 0) {
        yield queue.shift()!;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await subscription.dispose();
  }
}
