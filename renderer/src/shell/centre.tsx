// The centre: the selected branch's work as tabs (chat, branch, diff, files, API, settings). Each
// view scrolls inside itself; the chat and the branch stay mounted when hidden (a half-typed
// prompt survives a look at the diff), Monaco's views load the first time they are shown (and the
// diff's stays after that).
import { lazy, Suspense, useState } from 'react';
import { ApiPane } from '../panes/api-pane.tsx';
import { BranchPane } from '../panes/branch-pane.tsx';
import { ChatPane } from '../panes/chat-pane.tsx';
import { SettingsPane } from '../panes/settings-pane.tsx';
import { useLayout } from '../stores/layout-store.ts';
import { ViewTabs } from './view-tabs.tsx';

// Monaco is most of the renderer's weight: loaded the first time a diff or a file is shown.
const DiffPane = lazy(() => import('../panes/diff-pane.tsx').then((m) => ({ default: m.DiffPane })));
const FilesPane = lazy(() => import('../panes/files-pane.tsx').then((m) => ({ default: m.FilesPane })));

export function Centre({ dark }: { dark: boolean }) {
  const tab = useLayout((s) => s.tab);
  // The diff viewer, once opened, stays (hidden) when another tab is shown: coming back to it is a
  // repaint, not a new Monaco editor and models for a file of thousands of lines.
  const [diffOpened, setDiffOpened] = useState(false);
  if (tab === 'diff' && !diffOpened) setDiffOpened(true);
  return (
    <div className="area">
      <ViewTabs area="centre" label="Work" />
      <div className="area-body">
        <div className="view-slot" hidden={tab !== 'chat'} role="tabpanel" id="view-chat" aria-labelledby="tab-chat">
          <ChatPane />
        </div>
        <div
          className="view-slot"
          hidden={tab !== 'branch'}
          role="tabpanel"
          id="view-branch"
          aria-labelledby="tab-branch"
        >
          <BranchPane />
        </div>
        {diffOpened && (
          <div className="view-slot" hidden={tab !== 'diff'} role="tabpanel" id="view-diff" aria-labelledby="tab-diff">
            <Suspense fallback={<p className="hint empty">Loading the diff viewer…</p>}>
              <DiffPane dark={dark} shown={tab === 'diff'} />
            </Suspense>
          </div>
        )}
        {tab === 'files' && (
          <div className="view-slot" role="tabpanel" id="view-files" aria-labelledby="tab-files">
            <Suspense fallback={<p className="hint empty">Loading the file viewer…</p>}>
              <FilesPane dark={dark} />
            </Suspense>
          </div>
        )}
        {tab === 'api' && (
          <div className="view-slot" role="tabpanel" id="view-api" aria-labelledby="tab-api">
            <ApiPane />
          </div>
        )}
        {tab === 'settings' && (
          <div className="view-slot" role="tabpanel" id="view-settings" aria-labelledby="tab-settings">
            <SettingsPane />
          </div>
        )}
      </div>
    </div>
  );
}
