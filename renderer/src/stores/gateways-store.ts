// The gateways pane's state: each gateway with the branch it serves per codebase, and
// promotions with the engine's reason when one is refused.
import { create } from 'zustand';
import { api, errorMessage } from '../api.ts';

type Listing = Awaited<ReturnType<typeof api.gateway.list.query>>;

interface GatewaysState {
  listing: Listing | null;
  /** Per gateway: a promotion under way, or the last one's outcome. */
  status: Record<string, { busy: boolean; message: string; failed: boolean }>;
  load(): Promise<void>;
  promote(gateway: string, codebase: string, branch: number): Promise<void>;
}

export const useGateways = create<GatewaysState>((set, get) => ({
  listing: null,
  status: {},
  async load() {
    try {
      set({ listing: await api.gateway.list.query() });
    } catch (error) {
      set((s) => ({ status: { ...s.status, '*': { busy: false, failed: true, message: errorMessage(error) } } }));
    }
  },
  async promote(gateway, codebase, branch) {
    const label = `${codebase} ${String(branch).padStart(5, '0')}`;
    set((s) => ({ status: { ...s.status, [gateway]: { busy: true, failed: false, message: `promoting ${label} (starting it if needed)…` } } }));
    try {
      const done = await api.gateway.promote.mutate({ gateway, codebase, branch });
      const from = done.from === null ? 'nothing' : String(done.from).padStart(5, '0');
      set((s) => ({ status: { ...s.status, [gateway]: { busy: false, failed: false, message: `${gateway} serves ${label} (was ${from}; promote ${from} to roll back)` } } }));
    } catch (error) {
      set((s) => ({ status: { ...s.status, [gateway]: { busy: false, failed: true, message: errorMessage(error) } } }));
    }
    await get().load();
  },
}));
