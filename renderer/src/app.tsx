// The window's shell (DESIGN.md §7): workspace bar on top, branches left, gateways right,
// status and activity below. Panes grow into chat, diff, files and terminal as their parts land.
import { useEffect } from 'react';
import { useWorkspace } from './stores/workspace-store.ts';
import { BranchPane } from './panes/branch-pane.tsx';
import { CodebasesPane } from './panes/codebases-pane.tsx';
import { useActivity } from './stores/activity-store.ts';
import { useBranches } from './stores/branches-store.ts';
import { GatewaysPane } from './panes/gateways-pane.tsx';
import { DoctorPane } from './panes/doctor-pane.tsx';
import { ActivityPane } from './panes/activity-pane.tsx';

export function App() {
  const { info, error, load } = useWorkspace();
  useEffect(() => void load(), [load]);
  // New codebases and branches appear without a reload: the event stream says when.
  useEffect(
    () =>
      useActivity.subscribe((state, previous) => {
        const last = previous.events.at(-1);
        const fresh = state.events.slice(last ? state.events.lastIndexOf(last) + 1 : 0);
        for (const event of fresh) {
          if (event.type === 'codebase.added') void useWorkspace.getState().load();
          if (event.type === 'branch.created') {
            void useWorkspace.getState().load();
            void useBranches.getState().branchCreated(event.payload.codebase);
          }
        }
      }),
    [],
  );
  return (
    <div className="window">
      <header className="bar">
        <span className="brand">Branchyard</span>
        <span data-testid="workspace-name">{info ? info.name : 'loading…'}</span>
        {info && <span className="muted">{info.root}</span>}
        {info && (
          <span className="budget" title="Budget per revision and per month (ai/config.json)">
            {info.ai.model} · ${info.ai.budget.perRevisionUsd.toFixed(2)} / revision · ${info.ai.budget.perMonthUsd.toFixed(2)} / month
          </span>
        )}
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <main className="panes">
        <CodebasesPane />
        <div className="centre">
          <BranchPane />
          <DoctorPane />
        </div>
        <GatewaysPane />
      </main>
      <footer>
        <ActivityPane />
      </footer>
    </div>
  );
}
