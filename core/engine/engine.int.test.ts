// The engine owns its revision jobs: each engine has its own (two workspaces with a codebase of
// the same name never mix them up), and disposing an engine while a revision runs stops it, marks
// it interrupted, and leaves no job, listener or timer running. Real git, real PGlite, real
// gateways and runtime on this machine; the model is the scripted server, stalled mid-answer.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptedLlm } from '../agent/fixtures/scripted-llm.ts';
import { scriptedLlm } from '../agent/fixtures/scripted-llm.ts';
import { createEventBus } from '../events/index.ts';
import type { EngineEvent } from '../events/index.ts';
import type { CliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { cliWorkspace } from '../gateway/fixtures/cli-workspace.ts';
import { openCodebase } from '../git/index.ts';
import { openRevision, readRevision } from '../revisions/index.ts';
import { openStore } from '../store/index.ts';
import { startEngine } from './index.ts';
import type { EngineHandle } from './index.ts';

const KEY = 'sk-test-scripted-engine';
const env = { BRANCHYARD_RUNTIME: 'host', BRANCHYARD_AI_KEY: KEY };

/** Timers alive in this process (Node's own view, not a mock). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

async function pointAiAt(ws: string, baseUrl: string): Promise<void> {
  const file = path.join(ws, 'ai', 'config.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...config, provider: 'test', baseUrl, model: 'scripted/model' }, null, 2));
}

async function until(what: string, check: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the engine owns its revision jobs', () => {
  let a: CliWorkspace;
  let b: CliWorkspace;
  let llm: ScriptedLlm;
  let engineA: EngineHandle | undefined;
  let engineB: EngineHandle | undefined;
  let timersBefore: number;

  beforeAll(async () => {
    a = await cliWorkspace();
    // The model starts its answer and then says nothing for ten minutes: the revision is mid-turn.
    llm = await scriptedLlm([{ stall: { ms: 600_000 } }]);
    await pointAiAt(a.ws, llm.baseUrl);
  }, 180_000);

  afterAll(async () => {
    await engineB?.dispose();
    await engineA?.dispose();
    await llm?.close();
    await b?.dispose();
    await a?.dispose();
  }, 120_000);

  it('two workspaces with a codebase of the same name: each engine knows only its own revision', async () => {
    timersBefore = timers();
    engineA = await startEngine({ workspaceRoot: a.ws, events: createEventBus(), env, autostart: false });
    const started = await engineA.engine.revisions.prompt(await engineA.engine.codebase('users'), {
      text: 'Add a route that greets',
    });
    expect(started).toMatchObject({ codebase: 'users', revision: 1 });
    await until('the model call', () => llm.calls.length === 1);
    expect(engineA.engine.revisions.running('users', 1)).toBe(true);

    // Workspace B (made once A's gateways listen, so its free ports are other ports) has its own
    // users 0001, left open by an engine that was killed.
    b = await cliWorkspace();
    const store = await openStore({ stateDir: b.paths.stateDir });
    await openRevision({
      codebase: await openCodebase(b.paths, 'users'),
      state: store.db,
      prompt: 'Something else',
      parentBranch: 1,
    });
    await store.close();
    engineB = await startEngine({ workspaceRoot: b.ws, events: createEventBus(), env, autostart: false });

    // B's engine runs nothing, so B's 0001 is a leftover: interrupted, although A runs a users 0001.
    expect(engineB.engine.revisions.running('users', 1)).toBe(false);
    expect((await readRevision(await openCodebase(b.paths, 'users'), 1)).info.status).toBe('interrupted');
    // Watching B's 0001 gives B's records, not A's live revision.
    const watched: EngineEvent[] = [];
    for await (const event of engineB.engine.revisions.watch('users', 1, undefined)) watched.push(event);
    expect(watched).toEqual([
      expect.objectContaining({
        type: 'revision.ended',
        payload: expect.objectContaining({ codebase: 'users', revision: 1, status: 'interrupted' }),
      }),
    ]);
    await expect(engineB.engine.revisions.discard('users', 1)).resolves.toMatchObject({ status: 'discarded' });

    // A's revision runs on, untouched.
    expect(engineA.engine.revisions.running('users', 1)).toBe(true);
    expect((await readRevision(await openCodebase(a.paths, 'users'), 1)).info.status).toBe('open');
    await expect(engineA.engine.revisions.discard('users', 1)).rejects.toMatchObject({
      kind: 'InvalidInputError',
      message: expect.stringContaining('is running'),
    });
    await engineB.dispose();
    engineB = undefined;
  }, 300_000);

  it('disposing the engine mid-revision stops the revision, marks it interrupted, and leaves no job or timer', async () => {
    const engine = engineA!;
    const ended: EngineEvent[] = [];
    engine.engine.events.onAny((event) => event.type === 'revision.ended' && ended.push(event));
    const watching = (async () => {
      const seen: EngineEvent[] = [];
      for await (const event of engine.engine.revisions.watch('users', 1, undefined)) seen.push(event);
      return seen;
    })();
    // The model would answer in ten minutes; the dispose does not wait for it.
    await engine.dispose();
    engineA = undefined;

    expect(engine.engine.revisions.size).toBe(0);
    expect(engine.engine.revisions.running('users', 1)).toBe(false);
    const revision = await readRevision(await openCodebase(a.paths, 'users'), 1);
    expect(revision.info.status).toBe('interrupted');
    expect(revision.responses.at(-1)?.text).toContain('The engine stopped while this revision was running');
    // A watcher hears that it stopped, rather than waiting forever.
    const seen = await watching;
    expect(seen.at(-1)).toMatchObject({
      type: 'revision.ended',
      payload: { codebase: 'users', revision: 1, status: 'interrupted' },
    });
    expect(ended).toHaveLength(1);
    // The model's connection was closed by the engine (the scripted server's stall timer with it).
    expect(llm.calls).toHaveLength(1);
    await until('the timers to settle', () => timers() <= timersBefore, 10_000).catch(() => undefined);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    // A new engine on the workspace finds nothing left to interrupt and can resume it.
    const again = await startEngine({ workspaceRoot: a.ws, events: createEventBus(), env, autostart: false });
    try {
      expect((await readRevision(await openCodebase(a.paths, 'users'), 1)).info.status).toBe('interrupted');
    } finally {
      await again.dispose();
    }
  }, 300_000);
});
