// The gateways pane's state: each gateway with the branch it serves per codebase, and
// promotions with the engine's reason when one is refused.
import { create } from 'zustand';
import { api, errorMessage } from '../api.ts';
import { formatBranch } from '../branch-number.ts';

type Listing = Awaited<ReturnType<typeof api.gateway.list.query>>;
export type Promotion = Awaited<ReturnType<typeof api.gateway.history.query>>[number];

interface GatewaysState {
  listing: Listing | null;
  /** Each gateway's last promotion per codebase, by `gateway:codebase`. */
  last: Record<string, Promotion>;
  /** Per gateway: a promotion under way, or the last one's outcome. */
  status: Record<string, { busy: boolean; message: string; failed: boolean }>;
  load(): Promise<void>;
  promote(gateway: string, codebase: string, branch: number): Promise<void>;
  /** A promotion waiting for the user's yes: a protected gateway's. */
  pending: PendingPromotion | null;
  /** Promotes at once, or, to a protected gateway, asks first (the gateways pane shows the question). */
  ask(promotion: PendingPromotion): void;
  cancel(): void;
}

export interface PendingPromotion {
  gateway: string;
  codebase: string;
  branch: number;
  rollback: boolean;
}

export const useGateways = create<GatewaysState>((set, get) => ({
  listing: null,
  last: {},
  status: {},
  pending: null,
  ask(promotion) {
    const gateway = get().listing?.gateways.find((g) => g.name === promotion.gateway);
    if (gateway?.protected) return set({ pending: promotion });
    void get().promote(promotion.gateway, promotion.codebase, promotion.branch);
  },
  cancel: () => set({ pending: null }),
  async load() {
    try {
      const [listing, history] = await Promise.all([
        api.gateway.list.query(),
        api.gateway.history.query({ limit: 200 }).catch(() => []),
      ]);
      const last: Record<string, Promotion> = {};
      // Newest first: the first seen of each is its last.
      for (const p of history) last[`${p.gateway}:${p.codebase}`] ??= p;
      set({ listing, last });
    } catch (error) {
      set((s) => ({ status: { ...s.status, '*': { busy: false, failed: true, message: errorMessage(error) } } }));
    }
  },
  async promote(gateway, codebase, branch) {
    const label = `${codebase} ${formatBranch(branch)}`;
    set((s) => ({
      status: {
        ...s.status,
        [gateway]: { busy: true, failed: false, message: `promoting ${label} (starting it if needed)…` },
      },
    }));
    try {
      const done = await api.gateway.promote.mutate({ gateway, codebase, branch });
      const from = done.from === null ? 'nothing' : formatBranch(done.from);
      set((s) => ({
        status: {
          ...s.status,
          [gateway]: {
            busy: false,
            failed: false,
            message: `${gateway} serves ${label} (was ${from}; promote ${from} to roll back)`,
          },
        },
      }));
    } catch (error) {
      set((s) => ({ status: { ...s.status, [gateway]: { busy: false, failed: true, message: errorMessage(error) } } }));
    }
    await get().load();
  },
}));
