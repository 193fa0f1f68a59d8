// The status bar's figures that no pane holds: this month's spend on the agent across the
// workspace's codebases, and how many branches run. Read again when the engine says they changed.
import { create } from 'zustand';
import { api } from '../api.ts';

interface StatusState {
  /** Spent this calendar month by the revisions of every codebase, in millionths of a dollar. */
  monthMicroUsd: number | null;
  /** Branch processes online, or null when the runtime cannot be asked (no Docker, say). */
  live: number | null;
  load(codebases: string[]): Promise<void>;
}

export const useStatus = create<StatusState>((set) => ({
  monthMicroUsd: null,
  live: null,
  async load(codebases) {
    const now = new Date();
    const thisMonth = (iso: string) => {
      const at = new Date(iso);
      return at.getFullYear() === now.getFullYear() && at.getMonth() === now.getMonth();
    };
    const [spent, live] = await Promise.all([
      Promise.all(
        codebases.map((codebase) =>
          api.revision.list
            .query({ codebase })
            .then((rows) => rows.filter((r) => thisMonth(r.createdAt)).reduce((sum, r) => sum + r.costMicroUsd, 0)),
        ),
      ).then(
        (sums) => sums.reduce((a, b) => a + b, 0),
        () => null,
      ),
      Promise.all(
        codebases.map((codebase) =>
          api.runtime.list.query({ codebase }).then((r) => r.processes.filter((p) => p.status === 'online').length),
        ),
      ).then(
        (counts) => counts.reduce((a, b) => a + b, 0),
        () => null,
      ),
    ]);
    set({ monthMicroUsd: spent, live });
  },
}));
