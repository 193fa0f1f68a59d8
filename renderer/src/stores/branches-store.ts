// The branch tree and the selected branch: each codebase's branches (with records that could
// not be read), and the selected branch's record, summary and diff against its parent.
import { create } from 'zustand';
import { api, errorMessage } from '../api.ts';

type Listing = Awaited<ReturnType<typeof api.branch.list.query>>;
type Shown = Awaited<ReturnType<typeof api.branch.show.query>>;
type Diff = Awaited<ReturnType<typeof api.branch.diff.query>>;

export interface Selection {
  codebase: string;
  branch: number;
}

interface BranchesState {
  listings: Record<string, Listing>;
  expanded: Record<string, boolean>;
  selected: Selection | null;
  detail: { shown: Shown; diff: Diff } | null;
  error: string | null;
  /** What the Diff view compares the selected branch with: its parent, or another branch. */
  diffBase: number | 'parent';
  setDiffBase(base: number | 'parent'): void;
  toggle(codebase: string): Promise<void>;
  load(codebase: string): Promise<void>;
  select(selection: Selection): Promise<void>;
  /** Called when the engine says a branch appeared: refresh what is on screen. */
  branchCreated(codebase: string): Promise<void>;
  /** Reads again what is on screen (a branch started, a check finished, a promotion). */
  refresh(): Promise<void>;
}

export const useBranches = create<BranchesState>((set, get) => ({
  listings: {},
  expanded: {},
  selected: null,
  detail: null,
  error: null,
  diffBase: 'parent',
  setDiffBase: (diffBase) => set({ diffBase }),
  async toggle(codebase) {
    const open = !get().expanded[codebase];
    set((s) => ({ expanded: { ...s.expanded, [codebase]: open } }));
    if (open) await get().load(codebase);
  },
  async load(codebase) {
    try {
      const listing = await api.branch.list.query({ codebase });
      set((s) => ({ listings: { ...s.listings, [codebase]: listing }, error: null }));
    } catch (error) {
      set({ error: errorMessage(error) });
    }
  },
  async select(selection) {
    const same = get().selected?.codebase === selection.codebase && get().selected?.branch === selection.branch;
    set({ selected: selection, ...(same ? {} : { diffBase: 'parent' as const }) });
    try {
      const [shown, diff] = await Promise.all([api.branch.show.query(selection), api.branch.diff.query(selection)]);
      // A later click wins over a slow earlier one.
      if (get().selected === selection) set({ detail: { shown, diff }, error: null });
    } catch (error) {
      set({ detail: null, error: errorMessage(error) });
    }
  },
  async branchCreated(codebase) {
    if (get().expanded[codebase]) await get().load(codebase);
  },
  async refresh() {
    await Promise.all(
      Object.keys(get().expanded)
        .filter((c) => get().expanded[c])
        .map((c) => get().load(c)),
    );
    const selected = get().selected;
    if (selected) await get().select(selected);
  },
}));
