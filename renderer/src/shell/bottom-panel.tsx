// The bottom panel: terminals, logs, activity and problems of the selected branch, as tabs. The
// terminals and the activity stay mounted when another tab is shown (their shells go on, and the
// activity keeps what happened meanwhile).
import { ChevronDown, ChevronUp } from 'lucide-react';
import { ActivityPane } from '../panes/activity-pane.tsx';
import { AuditPane } from '../panes/audit-pane.tsx';
import { LogsPane } from '../panes/logs-pane.tsx';
import { ProblemsPane, useProblems } from '../panes/problems-pane.tsx';
import { TerminalPane } from '../panes/terminal-pane.tsx';
import { useLayout } from '../stores/layout-store.ts';
import { IconButton } from '../ui/tooltip.tsx';
import { ViewTabs } from './view-tabs.tsx';

/** `collapsed`: shown as its tab strip alone; a tab or the chevron opens it. */
export function BottomPanel({ collapsed, onToggle }: { collapsed: boolean; onToggle: () => void }) {
  const bottom = useLayout((s) => s.bottom);
  const problems = useProblems();
  return (
    <section className="area" aria-label="Panel" data-testid="bottom-panel" data-collapsed={collapsed || undefined}>
      <ViewTabs area="bottom" label="Panel" collapsed={collapsed} badges={{ problems: problems?.length ?? 0 }}>
        <IconButton label={collapsed ? 'Show the panel' : 'Hide the panel'} side="top" onClick={onToggle}>
          {collapsed ? <ChevronUp size={16} aria-hidden /> : <ChevronDown size={16} aria-hidden />}
        </IconButton>
      </ViewTabs>
      <div className="area-body">
        <div
          className="view-slot"
          hidden={bottom !== 'terminal'}
          role="tabpanel"
          id="view-terminal"
          aria-labelledby="tab-terminal"
        >
          <TerminalPane />
        </div>
        {bottom === 'logs' && (
          <div className="view-slot" role="tabpanel" id="view-logs" aria-labelledby="tab-logs">
            <LogsPane />
          </div>
        )}
        <div
          className="view-slot"
          hidden={bottom !== 'activity'}
          role="tabpanel"
          id="view-activity"
          aria-labelledby="tab-activity"
        >
          <ActivityPane />
        </div>
        {bottom === 'problems' && (
          <div className="view-slot" role="tabpanel" id="view-problems" aria-labelledby="tab-problems">
            <ProblemsPane />
          </div>
        )}
        {bottom === 'audit' && (
          <div className="view-slot" role="tabpanel" id="view-audit" aria-labelledby="tab-audit">
            <AuditPane />
          </div>
        )}
      </div>
    </section>
  );
}
