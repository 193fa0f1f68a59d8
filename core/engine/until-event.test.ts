// The wait that replaced polling: woken by the events that can change the state, bounded, and
// leaving no listener or timer behind whichever way it ends.
import { describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import { untilEvent } from './until-event.ts';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('untilEvent', () => {
  it('resolves when an event brings the state it waits for, and not on other events', async () => {
    const events = createEventBus();
    let route = 1;
    const before = timers();
    const waiting = untilEvent(events, ['gateway.reloaded'], () => route >= 2, { timeoutMs: 60_000 });
    let settled = false;
    void waiting.then(() => (settled = true));
    route = 2;
    events.emit('branch.running', { codebase: 'users', number: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false); // not its event: it did not look
    events.emit('gateway.reloaded', { gateways: ['development'] });
    await expect(waiting).resolves.toBe(true);
    expect(timers()).toBe(before);
  });

  it('resolves at once when the state is there, false when the time is up or the signal aborts', async () => {
    const events = createEventBus();
    await expect(untilEvent(events, ['gateway.reloaded'], () => true, { timeoutMs: 60_000 })).resolves.toBe(true);
    await expect(untilEvent(events, ['gateway.reloaded'], () => false, { timeoutMs: 20 })).resolves.toBe(false);
    const stop = new AbortController();
    const before = timers();
    const waiting = untilEvent(events, ['gateway.reloaded'], () => false, { timeoutMs: 60_000, signal: stop.signal });
    stop.abort();
    await expect(waiting).resolves.toBe(false);
    expect(timers()).toBe(before);
    // Its listeners are gone: an event afterwards calls nothing.
    let looked = 0;
    const counting = untilEvent(events, ['gateway.reloaded'], () => (looked++, false), { timeoutMs: 10 });
    await counting;
    looked = 0;
    events.emit('gateway.reloaded', { gateways: [] });
    expect(looked).toBe(0);
  });
});
