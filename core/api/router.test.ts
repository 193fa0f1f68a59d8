import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/index.ts';
import type { EngineEvent } from '../events/index.ts';
import { tempDir } from '../testing/index.ts';
import { appRouter, createCallerFactory } from './index.ts';

const createCaller = createCallerFactory(appRouter);

/** These procedures never touch the engine state; reaching it would be a bug. */
const noState = () => Promise.reject(new Error('this test opens no engine state'));

describe('app router', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => void (tmp = await tempDir()));
  afterEach(() => tmp.dispose());

  it('creates a workspace, streams its progress as events, and describes it', async () => {
    const events = createEventBus();
    const api = createCaller({ events, env: {}, workspaceRoot: undefined, state: noState });
    const controller = new AbortController();
    const stream = await createCaller(
      { events, env: {}, workspaceRoot: undefined, state: noState },
      { signal: controller.signal },
    ).events.stream();
    const received: EngineEvent[] = [];
    const reading = (async () => {
      for await (const event of stream) {
        received.push(event);
        if (event.type === 'workspace.initialized') controller.abort();
      }
    })();
    const dir = path.join(tmp.path, 'shop');
    await api.workspace.init({ dir });
    await reading;
    expect(received.filter((e) => e.type === 'progress')).toHaveLength(6);
    expect(received.at(-1)).toMatchObject({ type: 'workspace.initialized', payload: { dir, name: 'shop' } });

    const info = await createCaller({ events, env: {}, workspaceRoot: dir, state: noState }).workspace.info();
    expect(info).toMatchObject({ name: 'shop', root: dir });
    expect(info.gateways.map((g) => [g.name, g.promotesTo])).toEqual([
      ['development', 'staging'],
      ['production', null],
      ['staging', 'production'],
    ]);
  });

  it('errors cross the router with their kind and the message as written', async () => {
    const api = createCaller({ events: createEventBus(), env: {}, workspaceRoot: undefined, state: noState });
    const error = await api.codebase.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('no workspace is open'),
      cause: { kind: 'WorkspaceNotFoundError' },
    });
    const file = path.join(tmp.path, 'f');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, ''));
    await expect(api.workspace.init({ dir: file })).rejects.toMatchObject({
      code: 'CONFLICT',
      cause: { kind: 'WorkspaceInitError' },
    });
    await expect(api.workspace.init({ dir: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
