// The logs pane's state: the selected branch's token-sized files, one open at a time, live
// lines while following, and search results.
import { create } from 'zustand';
import { api, errorMessage } from '../api.ts';
import type { Selection } from './branches-store.ts';

type Listing = Awaited<ReturnType<typeof api.logs.list.query>>;
type Match = Awaited<ReturnType<typeof api.logs.search.query>>['matches'][number];
type LogType = Listing['files'][number]['type'];

interface LogsState {
  target: Selection | null;
  files: Listing['files'];
  open: { type: LogType; file: string; text: string; tokens: number } | null;
  /** Lines written since Live tail was turned on, the newest last. */
  live: { type: string; line: string }[];
  following: boolean;
  matches: Match[] | null;
  error: string | null;
  load(target: Selection): Promise<void>;
  read(type: LogType, file: string): Promise<void>;
  search(query: string): Promise<void>;
  follow(on: boolean): void;
}

let unfollow: (() => void) | undefined;

export const useLogs = create<LogsState>((set, get) => ({
  target: null,
  files: [],
  open: null,
  live: [],
  following: false,
  matches: null,
  error: null,
  async load(target) {
    if (get().target?.codebase !== target.codebase || get().target?.branch !== target.branch) get().follow(false);
    set({ target, error: null });
    try {
      const listing = await api.logs.list.query(target);
      if (get().target === target) set({ files: listing.files, open: null, matches: null });
    } catch (error) {
      set({ files: [], error: errorMessage(error) });
    }
  },
  async read(type, file) {
    const target = get().target;
    if (!target) return;
    try {
      const read = await api.logs.read.query({ ...target, type, file });
      const tokens = get().files.find((f) => f.type === type && f.file === file)?.tokens ?? 0;
      set({ open: { type, file, text: read.text, tokens }, error: null });
    } catch (error) {
      set({ error: errorMessage(error) });
    }
  },
  async search(query) {
    const target = get().target;
    if (!target || !query.trim()) return set({ matches: null });
    try {
      set({ matches: (await api.logs.search.query({ ...target, query })).matches, error: null });
    } catch (error) {
      set({ error: errorMessage(error) });
    }
  },
  follow(on) {
    unfollow?.();
    unfollow = undefined;
    const target = get().target;
    set({ following: on && target !== null, live: [] });
    if (!on || !target) return;
    const subscription = api.logs.follow.subscribe(target, {
      onData: (line) => set((s) => ({ live: [...s.live, line].slice(-5000) })),
      onError: (error) => set({ following: false, error: errorMessage(error) }),
    });
    unfollow = () => subscription.unsubscribe();
  },
}));
