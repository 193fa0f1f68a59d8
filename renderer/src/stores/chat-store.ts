// The chat pane's state: one thread per codebase, each a list of dev revisions as the engine
// streams them (the agent's text, its tool calls, its spend against the budget, and how the
// revision ended: a branch, a question, or a stop in the engine's words). A window opened later
// gets the whole thread back, tool calls included, from the engine's transcript.
import { create } from 'zustand';
import { api, errorMessage } from '../api.ts';

/** One thing the agent did, in order: text it wrote, or a tool it called and what came back. */
/** `role`: which of the agent's roles took it (issue 22); absent from an engine that does not say. */
export type Step = { role?: 'product-owner' | 'developer' } & (
  | { kind: 'text'; text: string }
  | { kind: 'tool'; tool: string; path?: string; ok: boolean; summary: string; arguments?: string; result?: string }
);

export interface Revision {
  codebase: string;
  revision: number;
  prompts: string[];
  /** Steps read back from the engine's transcript (whole turns, with arguments and results). */
  steps: Step[];
  /** Steps streamed since, not in the transcript yet. */
  live: Step[];
  status: string;
  branch: number | null;
  parent: number | null;
  message: string;
  turn: number;
  maxTurns: number;
  spentMicroUsd: number;
  budgetMicroUsd: number;
  /** The role that gave the closing words (`message`), as the engine recorded it; absent when it does not say. */
  messageRole?: 'product-owner' | 'developer' | undefined;
  /** The engine's last progress line for it. */
  step: string;
  /** Whether its steps were asked of the engine (an old revision's are read when asked for). */
  loaded: boolean;
}

/** How many of each codebase's newest revisions get their steps read when a window opens. */
const STEPS_READ = 20;
/** Statuses of a revision still under way (`open` as the engine records it). */
export const RUNNING = new Set(['running', 'open']);

interface ChatState {
  codebase: string | null;
  /** Every codebase's revisions; the pane shows the chosen codebase's thread. */
  revisions: Revision[];
  /** The branch the next prompt starts from, per codebase (none: the newest). */
  from: Record<string, number | undefined>;
  sending: boolean;
  error: string | null;
  /** The prompt being written (a suggested first prompt can fill it). */
  draft: string;
  setDraft(draft: string): void;
  setCodebase(codebase: string): void;
  setFrom(codebase: string, branch: number | undefined): void;
  /** The codebases' revisions, as the engine has them: a revision still running is followed from its start. */
  restore(codebases: string[]): Promise<void>;
  /** Reads a revision's steps from the engine's transcript. */
  loadSteps(codebase: string, revision: number): Promise<void>;
  send(text: string): Promise<void>;
  answer(revision: Revision, text: string): Promise<void>;
  /** Stops a running revision where its last turn got to. */
  stop(revision: Revision): Promise<void>;
  /** Goes on with an interrupted one from its last turn. */
  resume(revision: Revision): Promise<void>;
}

const same = (r: { codebase: string; revision: number }, codebase: string, revision: number) =>
  r.codebase === codebase && r.revision === revision;

/** Adds a streamed step: text deltas join the text before them. */
function withLive(live: Step[], step: Step): Step[] {
  const last = live.at(-1);
  if (step.kind === 'text' && last?.kind === 'text' && last.role === step.role)
    return [...live.slice(0, -1), { ...last, text: last.text + step.text }];
  return [...live, step];
}

export const useChat = create<ChatState>((set, get) => {
  const update = (codebase: string, revision: number, change: (r: Revision) => Partial<Revision>) =>
    set((s) => ({ revisions: s.revisions.map((r) => (same(r, codebase, revision) ? { ...r, ...change(r) } : r)) }));
  const find = (codebase: string, revision: number) => get().revisions.find((r) => same(r, codebase, revision));

  /**
   * The transcript is saved at the end of each turn: what it holds replaces the streamed steps
   * of the same turns, and those streamed since (the running turn's) stay after it.
   */
  const readSteps = async (codebase: string, revision: number) => {
    const streamed = find(codebase, revision)?.live.length ?? 0;
    const steps = await api.revision.steps.query({ codebase, revision }).catch(() => null);
    if (!steps) return;
    const shaped: Step[] = steps.map((s) =>
      s.kind === 'text'
        ? s
        : {
            kind: 'tool',
            role: s.role,
            tool: s.tool,
            path: s.path,
            ok: s.ok,
            summary: s.result.split('\n')[0]!.slice(0, 200),
            arguments: s.arguments,
            result: s.result,
          },
    );
    update(codebase, revision, (r) => ({ steps: shaped, live: r.live.slice(streamed), loaded: true }));
  };

  /** Follows a revision's events until it ends (or waits for an answer). */
  const watch = (codebase: string, revision: number) => {
    const subscription = api.agent.watch.subscribe(
      { codebase, revision },
      {
        onData: (event) => {
          switch (event.type) {
            case 'agent.text':
              return update(codebase, revision, (r) => ({
                live: withLive(r.live, { kind: 'text', text: event.payload.delta, role: event.payload.role }),
              }));
            case 'agent.tool':
              return update(codebase, revision, (r) => ({
                live: withLive(r.live, {
                  kind: 'tool',
                  role: event.payload.role,
                  tool: event.payload.tool,
                  path: event.payload.path,
                  ok: event.payload.ok,
                  summary: event.payload.summary,
                }),
              }));
            case 'agent.turn':
              update(codebase, revision, () => ({ turn: event.payload.turn, maxTurns: event.payload.maxTurns }));
              // The turns before this one are in the transcript now, with their arguments (a write's diff).
              if (event.payload.turn > 1) void readSteps(codebase, revision);
              return undefined;
            case 'agent.checks':
              return update(codebase, revision, (r) => ({
                live: withLive(r.live, {
                  kind: 'tool',
                  tool: 'checks',
                  ok: event.payload.passed,
                  summary: `${event.payload.by === 'engine' ? 'the engine’s checks' : 'checks'} ${event.payload.passed ? 'passed' : 'failed'}${event.payload.isolation === 'none' ? ' (no isolation)' : ''}: ${event.payload.summary}`,
                }),
              }));
            case 'agent.spend':
              return update(codebase, revision, () => ({
                spentMicroUsd: event.payload.revisionMicroUsd,
                budgetMicroUsd: event.payload.budgetMicroUsd,
              }));
            case 'revision.updated':
              return update(codebase, revision, () => ({ status: event.payload.status }));
            case 'agent.retry':
              return update(codebase, revision, () => ({
                step: `the provider ${event.payload.reason}; trying again in ${Math.round(event.payload.waitMs / 1000)} s (attempt ${event.payload.attempt + 1})`,
              }));
            case 'progress':
              return update(codebase, revision, () => ({ step: event.payload.message }));
            case 'revision.ended':
              update(codebase, revision, () => ({
                status: event.payload.status,
                branch: event.payload.branch,
                message: event.payload.message,
                spentMicroUsd: event.payload.costMicroUsd,
              }));
              subscription.unsubscribe();
              void readSteps(codebase, revision);
              return undefined;
            default:
              return undefined;
          }
        },
        onError: (error) =>
          update(codebase, revision, () => ({
            status: 'lost',
            message: `the connection to the engine was lost: ${errorMessage(error)}`,
          })),
      },
    );
  };

  const fresh = (codebase: string, revision: number, prompt: string, status: string): Revision => ({
    codebase,
    revision,
    prompts: [prompt],
    steps: [],
    live: [],
    status,
    branch: null,
    parent: null,
    message: '',
    turn: 0,
    maxTurns: 0,
    spentMicroUsd: 0,
    budgetMicroUsd: 0,
    step: '',
    loaded: false,
  });

  return {
    codebase: null,
    revisions: [],
    from: {},
    sending: false,
    error: null,
    draft: '',
    setDraft: (draft) => set({ draft }),
    setCodebase: (codebase) => set({ codebase }),
    setFrom: (codebase, branch) => set((s) => ({ from: { ...s.from, [codebase]: branch } })),
    async restore(codebases) {
      await Promise.all(
        codebases.map(async (codebase) => {
          const rows = await api.revision.list.query({ codebase }).catch(() => []);
          // Ones this window already shows (sent from here meanwhile) stay as they are.
          const have = new Set(
            get()
              .revisions.filter((r) => r.codebase === codebase)
              .map((r) => r.revision),
          );
          const added = rows
            .filter((row) => !have.has(row.number))
            .map((row) => ({
              ...fresh(codebase, row.number, row.prompt, row.status),
              branch: row.branchNumber,
              parent: row.parentBranch ?? null,
              spentMicroUsd: row.costMicroUsd,
            }));
          set((s) => ({
            // By codebase, then by number: a comparator that called two codebases equal was not an
            // order, and could leave a thread's revisions out of theirs.
            revisions: [...added, ...s.revisions].sort((a, b) =>
              a.codebase === b.codebase ? a.revision - b.revision : a.codebase < b.codebase ? -1 : 1,
            ),
          }));
          const recent = added.slice(-STEPS_READ);
          // Its steps, and with them its prompts and answers and its closing words (the summary, the
          // question, the reason it stopped) from the revision's record: asked together, so an answer
          // does not show up after the steps it came before.
          await Promise.all([
            ...recent.map((r) => readSteps(codebase, r.revision)),
            ...recent.map(async (r) => {
              const shown = await api.revision.show.query({ codebase, revision: r.revision }).catch(() => null);
              if (shown)
                update(codebase, r.revision, () => ({
                  prompts: shown.prompts.map((p) => p.text),
                  message: RUNNING.has(shown.status) ? '' : (shown.responses.at(-1)?.text ?? ''),
                  messageRole: RUNNING.has(shown.status) ? undefined : shown.responses.at(-1)?.role,
                }));
            }),
          ]);
          for (const r of added) if (RUNNING.has(r.status)) watch(codebase, r.revision);
        }),
      );
    },
    loadSteps: (codebase, revision) => readSteps(codebase, revision),
    async send(text) {
      const codebase = get().codebase;
      // One prompt at a time: a second Ctrl+Enter (or click) while the first is on its way would
      // open a second revision, paid for twice.
      if (!codebase || !text.trim() || get().sending) return;
      set({ sending: true, error: null });
      try {
        const from = get().from[codebase];
        const started = await api.agent.prompt.mutate({ codebase, text, from });
        const revision: Revision = {
          ...fresh(codebase, started.revision, text, 'running'),
          parent: started.parent,
          loaded: true,
          step: `from branch ${String(started.parent).padStart(5, '0')}`,
        };
        set((s) => ({ revisions: [...s.revisions, revision], sending: false }));
        watch(codebase, started.revision);
      } catch (error) {
        set({ sending: false, error: errorMessage(error) });
      }
    },
    async stop(revision) {
      set({ error: null });
      update(revision.codebase, revision.revision, () => ({ step: 'stopping after the current step…' }));
      try {
        await api.agent.stop.mutate({ codebase: revision.codebase, revision: revision.revision });
      } catch (error) {
        set({ error: errorMessage(error) });
      }
    },
    async resume(revision) {
      set({ error: null });
      try {
        await api.agent.resume.mutate({ codebase: revision.codebase, revision: revision.revision });
        update(revision.codebase, revision.revision, () => ({
          status: 'running',
          message: '',
          step: 'resumed from its last turn',
        }));
        watch(revision.codebase, revision.revision);
      } catch (error) {
        set({ error: errorMessage(error) });
      }
    },
    async answer(revision, text) {
      set({ error: null });
      try {
        await api.agent.answer.mutate({
          codebase: revision.codebase,
          revision: revision.revision,
          text,
        });
        update(revision.codebase, revision.revision, (r) => ({
          prompts: [...r.prompts, text],
          status: 'running',
          message: '',
          messageRole: undefined,
        }));
        watch(revision.codebase, revision.revision);
      } catch (error) {
        set({ error: errorMessage(error) });
      }
    },
  };
});
