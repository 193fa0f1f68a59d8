// The activity pane's state: the engine's events as they arrive, newest last, bounded.
import { create } from 'zustand';
import type { EngineEvent } from '../../../core/events/index.ts';
import { api } from '../api.ts';


const KEEP = 200;

interface ActivityState {
  events: EngineEvent[];
  connection: 'connecting' | 'live' | 'lost';
  connect(): () => void;
}

export const useActivity = create<ActivityState>((set) => ({
  events: [],
  connection: 'connecting',
  connect() {
    const subscription = api.events.stream.subscribe(undefined, {
      onStarted: () => set({ connection: 'live' }),
      onData: (event) => set((state) => ({ events: [...state.events, event].slice(-KEEP) })),
      onError: () => set({ connection: 'lost' }),
      onConnectionStateChange: (state) => set({ connection: state.state === 'pending' ? 'live' : state.state === 'connecting' ? 'connecting' : 'lost' }),
    });
    return () => subscription.unsubscribe();
  },
}));
