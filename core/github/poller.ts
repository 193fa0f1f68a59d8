// Polling, for a machine GitHub's webhooks cannot reach: every codebase whose connection sets
// pollSeconds is asked for new labelled issues and answers at that interval. A failed poll is
// reported and the next one tried; polls of one codebase never overlap.
import { describeError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import type { Disposable } from '../lifecycle/index.ts';
import type { IssueBridge } from './bridge.ts';

export function startPolling(options: {
  bridge: IssueBridge;
  codebases: () => Promise<string[]>;
  events: EventBus;
  tickMs?: number;
}): Disposable {
  const last = new Map<string, number>();
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      for (const codebase of await options.codebases()) {
        const connection = await options.bridge.connection(codebase).catch(() => undefined);
        if (!connection?.pollSeconds || Date.now() - (last.get(codebase) ?? 0) < connection.pollSeconds * 1000)
          continue;
        last.set(codebase, Date.now());
        try {
          for (const message of await options.bridge.poll(codebase))
            options.events.emit('progress', { task: `github:${codebase}`, step: 'poll', message, done: 1, total: 1 });
        } catch (error) {
          options.events.emit('progress', {
            task: `github:${codebase}`,
            step: 'failed',
            message: `polling ${connection.repository} failed: ${describeError(error)}`,
            done: 1,
            total: 1,
          });
        }
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.tickMs ?? 5000);
  timer.unref();
  return {
    dispose: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
