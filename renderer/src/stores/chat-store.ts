// The chat pane's state: one conversation per dev revision, as the engine streams it: the
// agent's text as it is written, its tool calls, its spend against the budget, and how the
// revision ended (a branch, a question, or a failure in the engine's words).
import { create } from 'zustand';
import { api, errorMessage } from '../api.ts';

export interface ToolCall {
  tool: string;
  path?: string;
  ok: boolean;
  summary: string;
}

export interface Revision {
  codebase: string;
  revision: number;
  prompts: string[];
  text: string;
  tools: ToolCall[];
  status: string;
  branch: number | null;
  message: string;
  turn: number;
  maxTurns: number;
  spentMicroUsd: number;
  budgetMicroUsd: number;
  /** The engine's last progress line for it. */
  step: string;
}

/** How many recent revisions of each codebase a window shows when it opens. */
const RESTORED = 10;
/** Statuses of a revision still under way (`open` as the engine records it). */
export const RUNNING = new Set(['running', 'open']);

interface ChatState {
  codebase: string | null;
  revisions: Revision[];
  sending: boolean;
  error: string | null;
  /** A key typed into the settings in a browser: sent with each prompt, kept in this tab's memory only. */
  apiKey: string | null;
  setApiKey(key: string | null): void;
  setCodebase(codebase: string): void;
  /**
   * The codebases' recent revisions, as the engine has them: a window opened (or reopened) while
   * a revision runs shows it, and follows it from its start.
   */
  restore(codebases: string[]): Promise<void>;
  send(text: string): Promise<void>;
  answer(revision: Revision, text: string): Promise<void>;
}

export const useChat = create<ChatState>((set, get) => {
  const update = (codebase: string, revision: number, change: (r: Revision) => Partial<Revision>) =>
    set((s) => ({ revisions: s.revisions.map((r) => (r.codebase === codebase && r.revision === revision ? { ...r, ...change(r) } : r)) }));

  /** Follows a revision's events until it ends (or waits for an answer). */
  const watch = (codebase: string, revision: number) => {
    const subscription = api.agent.watch.subscribe(
      { codebase, revision },
      {
        onData: (event) => {
          switch (event.type) {
            case 'agent.text':
              return update(codebase, revision, (r) => ({ text: r.text + event.payload.delta }));
            case 'agent.tool':
              return update(codebase, revision, (r) => ({ tools: [...r.tools, { tool: event.payload.tool, path: event.payload.path, ok: event.payload.ok, summary: event.payload.summary }] }));
            case 'agent.turn':
              // Each turn's text starts on a line of its own.
              return update(codebase, revision, (r) => ({ turn: event.payload.turn, maxTurns: event.payload.maxTurns, text: r.text && !r.text.endsWith('\n') ? `${r.text}\n` : r.text }));
            case 'agent.checks':
              return update(codebase, revision, (r) => ({ tools: [...r.tools, { tool: 'checks', ok: event.payload.passed, summary: `${event.payload.passed ? 'passed' : 'failed'} (${event.payload.by}${event.payload.isolation === 'none' ? ', no isolation' : ''}): ${event.payload.summary}` }] }));
            case 'agent.spend':
              return update(codebase, revision, () => ({ spentMicroUsd: event.payload.revisionMicroUsd, budgetMicroUsd: event.payload.budgetMicroUsd }));
            case 'revision.updated':
              return update(codebase, revision, () => ({ status: event.payload.status }));
            case 'agent.retry':
              return update(codebase, revision, () => ({ step: `the provider ${event.payload.reason}; trying again in ${Math.round(event.payload.waitMs / 1000)} s (attempt ${event.payload.attempt + 1})` }));
            case 'progress':
              return update(codebase, revision, () => ({ step: event.payload.message }));
            case 'revision.ended':
              update(codebase, revision, () => ({ status: event.payload.status, branch: event.payload.branch, message: event.payload.message, spentMicroUsd: event.payload.costMicroUsd }));
              return subscription.unsubscribe();
            default:
              return undefined;
          }
        },
        onError: (error) => update(codebase, revision, () => ({ status: 'lost', message: `the connection to the engine was lost: ${errorMessage(error)}` })),
      },
    );
  };

  return {
    codebase: null,
    revisions: [],
    sending: false,
    error: null,
    apiKey: null,
    setApiKey: (apiKey) => set({ apiKey }),
    setCodebase: (codebase) => set({ codebase }),
    async restore(codebases) {
      const key = (r: { codebase: string; revision: number }) => `${r.codebase}:${r.revision}`;
      for (const codebase of codebases) {
        const rows = await api.revision.list.query({ codebase }).catch(() => []);
        const recent: Revision[] = rows.slice(-RESTORED).map((row) => ({ codebase, revision: row.number, prompts: [row.prompt], text: '', tools: [], status: row.status, branch: row.branchNumber, message: '', turn: 0, maxTurns: 0, spentMicroUsd: row.costMicroUsd, budgetMicroUsd: 0, step: '' }));
        // Ones this window already shows (sent from here meanwhile) stay as they are.
        const have = new Set(get().revisions.map(key));
        const added = recent.filter((r) => !have.has(key(r)));
        set((s) => ({ revisions: [...added, ...s.revisions] }));
        for (const r of added) if (RUNNING.has(r.status)) watch(codebase, r.revision);
      }
    },
    async send(text) {
      const codebase = get().codebase;
      // One prompt at a time: a second Ctrl+Enter (or click) while the first is on its way would
      // open a second revision, paid for twice.
      if (!codebase || !text.trim() || get().sending) return;
      set({ sending: true, error: null });
      try {
        const started = await api.agent.prompt.mutate({ codebase, text, apiKey: get().apiKey ?? undefined });
        const fresh: Revision = { codebase, revision: started.revision, prompts: [text], text: '', tools: [], status: 'running', branch: null, message: '', turn: 0, maxTurns: 0, spentMicroUsd: 0, budgetMicroUsd: 0, step: `from branch ${String(started.parent).padStart(5, '0')}` };
        set((s) => ({ revisions: [...s.revisions, fresh], sending: false }));
        watch(codebase, started.revision);
      } catch (error) {
        set({ sending: false, error: errorMessage(error) });
      }
    },
    async answer(revision, text) {
      set({ error: null });
      try {
        await api.agent.answer.mutate({ codebase: revision.codebase, revision: revision.revision, text, apiKey: get().apiKey ?? undefined });
        update(revision.codebase, revision.revision, (r) => ({ prompts: [...r.prompts, text], status: 'running', message: '' }));
        watch(revision.codebase, revision.revision);
      } catch (error) {
        set({ error: errorMessage(error) });
      }
    },
  };
});
