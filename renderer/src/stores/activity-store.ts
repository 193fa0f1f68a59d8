// The activity pane's state: the engine's events as they arrive, newest last, bounded, and kept
// in the tab's session storage so a reload does not empty the pane.
import { create } from 'zustand';
import type { EngineEvent } from '../../../core/events/index.ts';
import type { ProgressEvent } from '../../../core/events/index.ts';
import { api } from '../api.ts';

const KEEP = 300;
/** The events of this tab, kept across a reload (not across tabs or restarts: the engine has the history). */
const SAVED = 'branchyard.activity';

function savedEvents(): EngineEvent[] {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SAVED) ?? '[]') as unknown;
    return Array.isArray(saved) ? (saved as EngineEvent[]) : [];
  } catch {
    return [];
  }
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
let unsaved: EngineEvent[] | null = null;
function flush(): void {
  clearTimeout(saveTimer);
  if (!unsaved) return;
  try {
    sessionStorage.setItem(SAVED, JSON.stringify(unsaved));
  } catch {
    // storage full or off: the activity then lasts until the tab closes
  }
  unsaved = null;
}
/** Written at most once a second (a build streams many steps), and at once when the page goes (a reload). */
function save(events: EngineEvent[]): void {
  unsaved = events;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(flush, 1000);
}
if (typeof window !== 'undefined') window.addEventListener('pagehide', flush);
/** A finished step stays in view this long, so it can be read. */
const SHOW_DONE_MS = 4000;
/** Work that says nothing for this long has stopped (a step that failed never says it is done). */
const QUIET_MS = 120_000;

interface ActivityState {
  events: EngineEvent[];
  connection: 'connecting' | 'live' | 'lost';
  /** How many times the stream came back after being lost: what happened meanwhile was missed. */
  reconnections: number;
  /** Long work under way (builds, container starts, checks), by task: its latest step. */
  work: Record<string, ProgressEvent & { finished: boolean; at: string }>;
  connect(): () => void;
}

export const useActivity = create<ActivityState>((set, get) => ({
  events: savedEvents(),
  connection: 'connecting',
  reconnections: 0,
  work: {},
  connect() {
    let wasLive = false;
    const live = () => {
      // Back after a loss: count it, so the panes read again what they show.
      if (wasLive && get().connection !== 'live') set((s) => ({ reconnections: s.reconnections + 1 }));
      wasLive = true;
      set({ connection: 'live' });
    };
    const subscription = api.events.stream.subscribe(undefined, {
      onStarted: live,
      onData: (event) => {
        // The agent's streamed text is the chat's, and would push everything else out.
        if (event.type !== 'agent.text' && event.type !== 'agent.spend') {
          set((state) => ({ events: [...state.events, event].slice(-KEEP) }));
          save(get().events);
        }
        if (event.type !== 'progress') return;
        const step = event.payload;
        const finished = step.done !== undefined && step.total !== undefined && step.done >= step.total;
        set((state) => ({ work: { ...state.work, [step.task]: { ...step, finished, at: event.at } } }));
        // Gone once shown finished for a moment, or once quiet for long; a newer step keeps it.
        setTimeout(
          () => {
            if (get().work[step.task]?.at === event.at)
              set((state) => ({
                work: Object.fromEntries(Object.entries(state.work).filter(([task]) => task !== step.task)),
              }));
          },
          finished ? SHOW_DONE_MS : QUIET_MS,
        );
      },
      onError: () => set({ connection: 'lost' }),
      onConnectionStateChange: (state) =>
        state.state === 'pending' ? live() : set({ connection: state.state === 'connecting' ? 'connecting' : 'lost' }),
    });
    return () => subscription.unsubscribe();
  },
}));
