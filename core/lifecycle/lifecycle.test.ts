import { describe, expect, it } from 'vitest';
import { DisposableStore, toDisposable } from './index.ts';

describe('DisposableStore', () => {
  it('disposes in reverse order, once, and reports every failure', async () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add(toDisposable(() => void order.push('first')));
    store.add(
      toDisposable(() => {
        order.push('second');
        throw new Error('second failed');
      }),
    );
    store.add(toDisposable(async () => void order.push('third')));
    await expect(store.dispose()).rejects.toThrow('second failed');
    await store.dispose();
    expect(order).toEqual(['third', 'second', 'first']);
  });

  it('refuses additions after disposal and disposes what was offered', async () => {
    const store = new DisposableStore();
    await store.dispose();
    let disposed = false;
    expect(() => store.add(toDisposable(() => void (disposed = true)))).toThrow(/after dispose/);
    expect(disposed).toBe(true);
  });
});
