// The gateway the API explorer shows: chosen in the API tab, or by "API docs" on a gateway card
// (which opens the explorer in the window instead of the gateway's own page in a browser, where a
// certificate the browser does not know would be met first).
import { create } from 'zustand';

interface ExplorerState {
  gateway: string | null;
  choose(gateway: string): void;
}

export const useExplorer = create<ExplorerState>((set) => ({
  gateway: null,
  choose: (gateway) => set({ gateway }),
}));
