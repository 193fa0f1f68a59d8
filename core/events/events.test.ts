import { describe, expect, it, vi } from 'vitest';
import { createEventBus, iterateEvents } from './index.ts';

describe('event bus', () => {
  it('delivers typed events to listeners of that type until they are disposed', async () => {
    const bus = createEventBus();
    const seen: string[] = [];
    const subscription = bus.on('progress', (p) => seen.push(p.message));
    bus.emit('progress', { task: 't', step: 's', message: 'one' });
    bus.emit('workspace.initialized', { dir: '/x', name: 'x' });
    await subscription.dispose();
    bus.emit('progress', { task: 't', step: 's', message: 'two' });
    expect(seen).toEqual(['one']);
  });

  it('keeps delivering when one listener throws', () => {
    const bus = createEventBus();
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const after = vi.fn();
    bus.on('progress', () => {
      throw new Error('boom');
    });
    bus.on('progress', after);
    bus.emit('progress', { task: 't', step: 's', message: 'm' });
    expect(after).toHaveBeenCalledOnce();
    expect(error).toHaveBeenCalled();
    error.mockRestore();
  });

  it('iterates events in order, queues bursts, and ends when aborted', async () => {
    const bus = createEventBus();
    const controller = new AbortController();
    const received: string[] = [];
    const reading = (async () => {
      for await (const event of iterateEvents(bus, controller.signal)) {
        received.push(event.type === 'progress' ? event.payload.message : event.type);
        if (received.length === 3) controller.abort();
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    bus.emit('progress', { task: 't', step: 's', message: 'a' });
    bus.emit('progress', { task: 't', step: 's', message: 'b' });
    bus.emit('workspace.initialized', { dir: '/x', name: 'x' });
    await reading;
    expect(received).toEqual(['a', 'b', 'workspace.initialized']);
    // The subscription is gone: emitting now reaches nobody and does not throw.
    bus.emit('progress', { task: 't', step: 's', message: 'late' });
    expect(received).toHaveLength(3);
  });
});
