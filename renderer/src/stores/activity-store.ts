// The activity pane's state: the engine's events as they arrive, newest last, bounded.
import { create } from 'zustand';
import type { EngineEvent } from '../../../core/events/index.ts';
import type { ProgressEvent } from '../../../core/events/index.ts';
import { api } from '../api.ts';

const KEEP = 200;
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
  events: [],
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
        set((state) => ({ events: [...state.events, event].slice(-KEEP) }));
        if (event.type !== 'progress') return;
        const step = event.payload;
        const finished = step.done !== undefined && step.total !== undefined && step.done >= step.total;
        set((state) => ({ work: { ...state.work, [step.task]: { ...step, finished, at: event.at } } }));
        // Gone once shown finished for a moment, or once quiet for long; a newer step keeps it.
        setTimeout(
          () => {
            if (get().work[step.task]?.at === event.at) set((state) => ({ work: Object.fromEntries(Object.entries(state.work).filter(([task]) => task !== step.task)) }));
          },
          finished ? SHOW_DONE_MS : QUIET_MS,
        );
      },
      onError: () => set({ connection: 'lost' }),
      onConnectionStateChange: (state) => (state.state === 'pending' ? live() : set({ connection: state.state === 'connecting' ? 'connecting' : 'lost' })),
    });
    return () => subscription.unsubscribe();
  },
}));
