// The dev flow through the router: `prompt` opens a dev revision, `answer` goes on with one
// waiting for the user and `resume` with one the engine was stopped in; all return at once while
// the revision runs on in the engine (a closed window or a CLI that goes away cancels nothing),
// and `watch` streams a revision's progress until it stops. `discard` drops one for good.
import { z } from 'zod';
import type { RevisionOutcome } from '../agent/index.ts';
import { discardRevision, LlmClient, runRevision } from '../agent/index.ts';
import { BranchyardError } from '../errors/index.ts';
import type { EngineEvent } from '../events/index.ts';
import { iterateEvents } from '../events/index.ts';
import { addPrompt, formatRevision, newestBranch, openCodebase, openRevision, parseBranchNumber, parseRevisionNumber, readBranchInfo, readRevision } from '../git/index.ts';
import { openSandbox } from '../sandbox/index.ts';
import { revisionId, spent } from '../store/index.ts';
import type { Workspace } from '../workspace/index.ts';
import type { EngineContext } from './context.ts';
import { requireGateways, requireRuntime, requireWorkspace } from './context.ts';
import { runBranch } from './runtime-router.ts';
import { procedure, router } from './trpc.ts';

/**
 * Revisions running in this engine, by `codebase:revision`, with their events so far: a client
 * that starts watching after the first turns (a prompt answered quickly, a window reopened) is
 * shown everything from the start.
 */
const running = new Map<string, { job: Promise<RevisionOutcome>; events: EngineEvent[] }>();
/** Whether this process runs the revision (the desktop app keeps running one while another workspace is open). */
export function revisionRunning(codebase: string, revision: number): boolean {
  return running.has(`${codebase}:${revision}`);
}

/** Enough for a long revision's streamed text; older events are dropped first. */
const KEPT_EVENTS = 20_000;

function ofRevision(event: EngineEvent, codebase: string, revision: number): boolean {
  if (!('payload' in event)) return false;
  const payload = event.payload as { codebase?: string; revision?: number; number?: number };
  return payload.codebase === codebase && (payload.revision ?? payload.number) === revision;
}

const apiKey = z.string().min(1).optional().describe('the provider key, when the engine has none in its environment; kept in memory only');

export const agentRouter = router({
  prompt: procedure
    .input(z.object({ codebase: z.string(), text: z.string(), from: z.union([z.string(), z.number()]).optional(), apiKey }))
    .mutation(async ({ ctx, input }) => {
      const workspace = await requireWorkspace(ctx);
      const codebase = await openCodebase(workspace.paths, input.codebase);
      const key = keyOf(ctx, workspace, input.apiKey);
      await requireRuntime(ctx);
      requireGateways(ctx);
      const parent = input.from === undefined ? await newestBranch(codebase) : parseBranchNumber(input.from, '--from');
      await readBranchInfo(codebase, parent); // names the branch when there is none
      const revision = await openRevision({ codebase, state: await ctx.state(), events: ctx.events, prompt: input.text, parentBranch: parent });
      start(ctx, workspace, input.codebase, revision.info.number, key);
      return { codebase: input.codebase, revision: revision.info.number, parent };
    }),

  answer: procedure
    .input(z.object({ codebase: z.string(), revision: z.union([z.string(), z.number()]), text: z.string(), apiKey }))
    .mutation(async ({ ctx, input }) => {
      const workspace = await requireWorkspace(ctx);
      const codebase = await openCodebase(workspace.paths, input.codebase);
      const number = parseRevisionNumber(input.revision);
      const revision = await readRevision(codebase, number);
      if (revision.info.status !== 'needs-answer') {
        throw new BranchyardError('InvalidInputError', `dev revision ${formatRevision(number)} of ${input.codebase} is ${revision.info.status}, not waiting for an answer`);
      }
      const key = keyOf(ctx, workspace, input.apiKey);
      await requireRuntime(ctx);
      await addPrompt({ codebase, state: await ctx.state(), events: ctx.events, number, kind: 'answer', text: input.text });
      start(ctx, workspace, input.codebase, number, key);
      return { codebase: input.codebase, revision: number };
    }),

  /** Goes on with a revision the engine was stopped in, from its last completed turn. */
  resume: procedure.input(z.object({ codebase: z.string(), revision: z.union([z.string(), z.number()]), apiKey })).mutation(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    const codebase = await openCodebase(workspace.paths, input.codebase);
    const number = parseRevisionNumber(input.revision);
    const revision = await readRevision(codebase, number);
    if (revision.info.status !== 'interrupted') {
      throw new BranchyardError('InvalidInputError', `dev revision ${formatRevision(number)} of ${input.codebase} is ${revision.info.status}; only a revision the engine was stopped in (interrupted) can be resumed`);
    }
    const key = keyOf(ctx, workspace, input.apiKey);
    await requireRuntime(ctx);
    requireGateways(ctx);
    start(ctx, workspace, input.codebase, number, key);
    return { codebase: input.codebase, revision: number };
  }),

  /** Drops an interrupted revision (or one waiting for an answer) for good. */
  discard: procedure.input(z.object({ codebase: z.string(), revision: z.union([z.string(), z.number()]) })).mutation(async ({ ctx, input }) => {
    const number = parseRevisionNumber(input.revision);
    if (running.has(`${input.codebase}:${number}`)) throw new BranchyardError('InvalidInputError', `dev revision ${formatRevision(number)} of ${input.codebase} is running; it can be discarded once it stops`);
    return discardRevision({ workspace: await requireWorkspace(ctx), db: await ctx.state(), events: ctx.events, codebase: input.codebase, revision: number });
  }),

  /** The revision's events as it goes, ending with `revision.ended`. */
  watch: procedure.input(z.object({ codebase: z.string(), revision: z.number().int().positive() })).subscription(async function* ({ ctx, input, signal }) {
    const stop = new AbortController();
    signal?.addEventListener('abort', () => stop.abort(), { once: true });
    const mine = (event: EngineEvent) => ofRevision(event, input.codebase, input.revision);
    // Live events are queued from here on, before the ones so far are read: none falls between.
    const events = iterateEvents(ctx.events, stop.signal);
    const current = running.get(`${input.codebase}:${input.revision}`);
    if (!current) {
      // Not running here: what the records say, as one last event.
      const workspace = await requireWorkspace(ctx);
      const revision = await readRevision(await openCodebase(workspace.paths, input.codebase), input.revision);
      const db = await ctx.state();
      const id = await revisionId(db, input.codebase, input.revision);
      stop.abort();
      const costMicroUsd = id === undefined ? 0 : await spent(db, { devRevisionId: id });
      yield { type: 'revision.ended' as const, payload: { codebase: input.codebase, revision: input.revision, status: revision.info.status, branch: revision.branch, costMicroUsd, message: revision.responses.at(-1)?.text ?? '', gateways: [] }, at: new Date().toISOString() };
      return;
    }
    const replayed = new Set(current.events);
    for (const event of [...replayed]) yield event;
    for await (const event of events) {
      if (replayed.has(event)) continue;
      if (event.type === 'progress' || mine(event)) yield event;
      if (event.type === 'revision.ended' && mine(event)) break;
    }
    stop.abort();
  }),
});

function keyOf(ctx: EngineContext, workspace: Workspace, given: string | undefined): string {
  const key = ctx.env[workspace.ai.keyEnv] || given;
  if (!key) {
    throw new BranchyardError('AgentKeyMissingError', `no API key for ${workspace.ai.baseUrl}: set ${workspace.ai.keyEnv} in the environment (of \`branchyard serve\`, or of the command that sends the prompt), or store it in the desktop app's settings`);
  }
  return key;
}

function start(ctx: EngineContext, workspace: Workspace, codebaseName: string, revision: number, key: string): void {
  const id = `${codebaseName}:${revision}`;
  if (running.has(id)) throw new BranchyardError('InvalidInputError', `dev revision ${formatRevision(revision)} of ${codebaseName} is already running`);
  const events: EngineEvent[] = [];
  const recording = ctx.events.onAny((event) => {
    if (!ofRevision(event, codebaseName, revision)) return;
    events.push(event);
    if (events.length > KEPT_EVENTS) events.splice(0, events.length - KEPT_EVENTS);
  });
  const job = (async () => {
    const codebase = await openCodebase(workspace.paths, codebaseName);
    const sandbox = await openSandbox({ env: ctx.env, limits: workspace.servers.limits, image: workspace.servers.image, events: ctx.events });
    const llm = new LlmClient({ provider: workspace.ai.provider, baseUrl: workspace.ai.baseUrl, model: workspace.ai.model, apiKey: key });
    return runRevision({
      workspace,
      codebase,
      db: await ctx.state(),
      events: ctx.events,
      sandbox,
      llm,
      config: workspace.ai,
      launch: (branch) => launch(ctx, workspace, codebaseName, branch),
    }, revision);
  })().finally(() => {
    running.delete(id);
    void recording.dispose();
  });
  running.set(id, { job, events });
  job.catch((error: unknown) => ctx.events.emit('progress', { task: `revision:${id}`, step: 'failed', message: String(error), done: 1, total: 1 }));
}

/**
 * Builds and starts the branch, then waits (briefly) for the gateways that follow the newest
 * branch to serve it, or a newer one (another revision may have finished meanwhile).
 */
async function launch(ctx: EngineContext, workspace: Workspace, codebase: string, branch: number): Promise<{ gateways: string[] }> {
  await runBranch(ctx, codebase, branch);
  const gateways = requireGateways(ctx);
  const followers = workspace.gateways.filter((g) => g.config.follow === 'newest').map((g) => g.name);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !followers.every((g) => (gateways.routeOf(g, codebase) ?? 0) >= branch)) await new Promise((resolve) => setTimeout(resolve, 100));
  return { gateways: followers.filter((g) => gateways.routeOf(g, codebase) === branch) };
}
