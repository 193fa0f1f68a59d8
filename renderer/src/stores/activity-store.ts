// The activity pane's state: the engine's events as they arrive, newest last, bounded.
import { create } from 'zustand';
import type { EngineEvent } from '../../../core/events/index.ts';
import { api } from '../api.ts';


const KEEP = 200;

interface ActivityState {
  events: EngineEvent[];
  connection: 'connecting' | 'live' | 'lost';
  /** How many times the stream came back after being lost: what happened meanwhile was missed. */
  reconnections: number;
  connect(): () => void;
}

export const useActivity = create<ActivityState>((set, get) => ({
  events: [],
  connection: 'connecting',
  reconnections: 0,
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
      onData: (event) => set((state) => ({ events: [...state.events, event].slice(-KEEP) })),
      onError: () => set({ connection: 'lost' }),
      onConnectionStateChange: (state) => (state.state === 'pending' ? live() : set({ connection: state.state === 'connecting' ? 'connecting' : 'lost' })),
    });
    return () => subscription.unsubscribe();
  },
}));
