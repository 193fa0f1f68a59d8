// The terminal pane's state: open terminal tabs (each a session in the engine) and which one
// is shown. The sessions themselves live in the engine, so they outlive a reload.
import { create } from 'zustand';
import { api, errorMessage } from '../api.ts';

export interface TerminalTab {
  id: string;
  codebase: string;
  branch: number;
  where: 'container' | 'host';
}

interface TerminalState {
  tabs: TerminalTab[];
  active: string | null;
  error: string | null;
  open(codebase: string, branch: number, where: TerminalTab['where']): Promise<void>;
  show(id: string): void;
  close(id: string): Promise<void>;
  exited(id: string): void;
}

export const useTerminals = create<TerminalState>((set, get) => ({
  tabs: [],
  active: null,
  error: null,
  async open(codebase, branch, where) {
    set({ error: null });
    try {
      const opened = await api.terminal.open.mutate({ codebase, branch, where, cols: 100, rows: 24 });
      set((s) => ({ tabs: [...s.tabs, { id: opened.id, codebase, branch, where }], active: opened.id }));
    } catch (error) {
      set({ error: errorMessage(error) });
    }
  },
  show: (id) => set({ active: id }),
  async close(id) {
    await api.terminal.close.mutate({ id }).catch(() => undefined);
    get().exited(id);
  },
  exited: (id) =>
    set((s) => {
      const tabs = s.tabs.filter((t) => t.id !== id);
      return { tabs, active: s.active === id ? (tabs.at(-1)?.id ?? null) : s.active };
    }),
}));
