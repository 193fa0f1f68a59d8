// Waiting for the engine to reach a state, woken by the events that can change it rather than by
// polling: resolves once `reached()` holds, when the time is up, or when `signal` aborts,
// and leaves no listener or timer behind.
import type { EngineEvents, EventBus } from '../events/index.ts';

export function untilEvent(
  events: EventBus,
  types: (keyof EngineEvents)[],
  reached: () => boolean,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<boolean> {
  if (reached()) return Promise.resolve(true);
  if (options.signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const finish = (value: boolean) => {
      clearTimeout(timer);
      for (const listener of listeners) void listener.dispose();
      options.signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), options.timeoutMs);
    const listeners = types.map((type) => events.on(type, () => reached() && finish(true)));
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
