// The window's shell (DESIGN.md §7): workspace bar on top, branches left, gateways right, the
// work in the middle as tabs (chat, branch, diff, files, terminal, logs, settings), activity below. Alt+1…7
// switches tabs, Ctrl+K opens the command palette, and the theme follows the system or a choice.
import { lazy, Suspense, useEffect, useState } from 'react';
import { ActivityPane } from './panes/activity-pane.tsx';
import { BranchPane } from './panes/branch-pane.tsx';
import { ChatPane } from './panes/chat-pane.tsx';
import { SettingsPane } from './panes/settings-pane.tsx';
import { CodebasesPane } from './panes/codebases-pane.tsx';
import { CommandPalette } from './panes/command-palette.tsx';
import { GatewaysPane } from './panes/gateways-pane.tsx';
import { LogsPane } from './panes/logs-pane.tsx';
import { TerminalPane } from './panes/terminal-pane.tsx';
import { WorkspacePicker } from './panes/workspace-picker.tsx';
import { useActivity } from './stores/activity-store.ts';
import { useBranches } from './stores/branches-store.ts';
import { useGateways } from './stores/gateways-store.ts';
import { useLayout } from './stores/layout-store.ts';
import { TABS } from './stores/layout-store.ts';
import { useWorkspace } from './stores/workspace-store.ts';

// Monaco is most of the renderer's weight: loaded the first time a diff is shown.
const DiffPane = lazy(() => import('./panes/diff-pane.tsx').then((m) => ({ default: m.DiffPane })));
const FilesPane = lazy(() => import('./panes/files-pane.tsx').then((m) => ({ default: m.FilesPane })));

/** Long work under way, one line per task with its step and how far it got. */
function WorkBar() {
  const work = useActivity((s) => s.work);
  const tasks = Object.values(work);
  if (tasks.length === 0) return null;
  return (
    <ul className="work-bar" aria-label="Work under way" data-testid="work-bar">
      {tasks.map((w) => (
        <li key={w.task} className={w.finished ? 'finished' : undefined}>
          {w.total ? <progress max={w.total} value={w.done ?? 0} /> : <span className="spinner" aria-hidden="true" />} {w.message}
        </li>
      ))}
    </ul>
  );
}

export function App() {
  const { info, error, load } = useWorkspace();
  const { tab, setTab, theme, paletteOpen, setPalette } = useLayout();
  const [picker, setPicker] = useState(false);
  const [systemDark, setSystemDark] = useState(() => window.matchMedia('(prefers-color-scheme: dark)').matches);
  const dark = theme === 'dark' || (theme === 'system' && systemDark);
  useEffect(() => void load(), [load]);
  useEffect(() => {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const changed = () => setSystemDark(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }, [dark]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setPalette(!useLayout.getState().paletteOpen);
      } else if (event.altKey && /^[1-9]$/.test(event.key)) {
        const next = TABS[Number(event.key) - 1];
        if (next) {
          event.preventDefault();
          setTab(next.id);
        }
      } else if (event.key === 'Escape') setPalette(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setTab, setPalette]);
  // After a lost connection, what changed meanwhile was never heard of: read it all again.
  useEffect(
    () =>
      useActivity.subscribe((state, previous) => {
        if (state.reconnections === previous.reconnections) return;
        void useWorkspace.getState().load();
        void useBranches.getState().refresh();
        void useGateways.getState().load();
      }),
    [],
  );
  // What is on screen follows the engine: its events say when something changed.
  useEffect(
    () =>
      useActivity.subscribe((state, previous) => {
        const last = previous.events.at(-1);
        const fresh = state.events.slice(last ? state.events.lastIndexOf(last) + 1 : 0);
        for (const event of fresh) {
          if (event.type === 'codebase.added') void useWorkspace.getState().load();
          if (event.type === 'gateway.reloaded') void useGateways.getState().load();
          if (event.type === 'branch.created') {
            void useWorkspace.getState().load();
            void useBranches.getState().branchCreated(event.payload.codebase);
          }
          if (event.type === 'gateway.promoted' || event.type === 'branch.running') {
            void useGateways.getState().load();
            void useBranches.getState().refresh();
          }
          if (event.type === 'schema.checked' || event.type === 'schema.behind') void useBranches.getState().refresh();
        }
      }),
    [],
  );
  return (
    <div className="window">
      <header className="bar">
        <span className="brand">Branchyard</span>
        <button type="button" className="workspace-button" onClick={() => setPicker(true)} title="Open or create a workspace">
          <span data-testid="workspace-name">{info ? info.name : 'loading…'}</span> ▾
        </button>
        {info && <span className="muted">{info.root}</span>}
        {info && (
          <span className="budget" title="Budget per revision and per month (ai/config.json)">
            {info.ai.model} · ${info.ai.budget.perRevisionUsd.toFixed(2)} / revision · ${info.ai.budget.perMonthUsd.toFixed(2)} / month
          </span>
        )}
        <button type="button" onClick={() => setPalette(true)} title="Command palette (Ctrl+K)">
          ⌘ Commands
        </button>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <main className="panes">
        <CodebasesPane />
        <div className="centre">
          <div role="tablist" className="tabs main-tabs" aria-label="Work">
            {TABS.map((t, i) => (
              <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} className={`tab${tab === t.id ? ' selected' : ''}`} onClick={() => setTab(t.id)} title={`Alt+${i + 1}`} data-testid={`tab-${t.id}`}>
                {t.label}
              </button>
            ))}
          </div>
          {/* Panes stay mounted when hidden: a terminal or a chat keeps its state across tabs. */}
          <div hidden={tab !== 'chat'}>
            <ChatPane />
          </div>
          <div hidden={tab !== 'branch'}>
            <BranchPane />
          </div>
          <div hidden={tab !== 'diff'}>
            {tab === 'diff' && (
              <Suspense fallback={<p className="hint pane">Loading the diff viewer…</p>}>
                <DiffPane dark={dark} />
              </Suspense>
            )}
          </div>
          <div hidden={tab !== 'files'}>
            {tab === 'files' && (
              <Suspense fallback={<p className="hint pane">Loading the file viewer…</p>}>
                <FilesPane dark={dark} />
              </Suspense>
            )}
          </div>
          <div hidden={tab !== 'terminal'}>
            <TerminalPane />
          </div>
          <div hidden={tab !== 'logs'}>{tab === 'logs' && <LogsPane />}</div>
          <div hidden={tab !== 'settings'}>{tab === 'settings' && <SettingsPane />}</div>
        </div>
        <GatewaysPane />
      </main>
      <WorkBar />
      <footer>
        <ActivityPane />
      </footer>
      {paletteOpen && <CommandPalette />}
      {picker && <WorkspacePicker onClose={() => setPicker(false)} />}
    </div>
  );
}
