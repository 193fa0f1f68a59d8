// The workspace pane's state: what the open workspace holds, loaded from the engine.
import { create } from 'zustand';
import { api, errorMessage } from '../api.ts';

type Info = Awaited<ReturnType<typeof api.workspace.info.query>>;
type Codebases = Awaited<ReturnType<typeof api.codebase.list.query>>;

interface WorkspaceState {
  info: Info | null;
  codebases: Codebases;
  error: string | null;
  loading: boolean;
  load(): Promise<void>;
}

export const useWorkspace = create<WorkspaceState>((set) => ({
  info: null,
  codebases: [],
  error: null,
  loading: false,
  async load() {
    set({ loading: true });
    try {
      const [info, codebases] = await Promise.all([api.workspace.info.query(), api.codebase.list.query()]);
      set({ info, codebases, error: null, loading: false });
    } catch (error) {
      set({ error: errorMessage(error), loading: false });
    }
  },
}));
