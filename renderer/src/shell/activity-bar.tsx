// The activity bar on the far left, as in VS Code: one icon per view and per panel, each named
// with its shortcut in a tooltip; the panels' icons show and hide them.
import {
  Command,
  Files,
  GitBranch,
  GitCompareArrows,
  MessageSquare,
  Moon,
  PanelBottom,
  Plug,
  Settings,
  Sun,
  Waypoints,
} from 'lucide-react';
import type { ReactNode } from 'react';
import type { CentreView } from '../stores/layout-store.ts';
import { shortcutOf, useLayout } from '../stores/layout-store.ts';
import { useDark } from '../theme.ts';
import { IconButton } from '../ui/tooltip.tsx';
import type { Panels } from './workbench.tsx';

const VIEW_ICONS: Array<{ id: CentreView; label: string; icon: ReactNode }> = [
  { id: 'chat', label: 'Chat', icon: <MessageSquare size={20} aria-hidden /> },
  { id: 'diff', label: 'Diff', icon: <GitCompareArrows size={20} aria-hidden /> },
  { id: 'files', label: 'Files', icon: <Files size={20} aria-hidden /> },
  { id: 'api', label: 'API', icon: <Plug size={20} aria-hidden /> },
];

export function ActivityBar({ panels }: { panels: Panels }) {
  const { tab, show, setPalette, setTheme } = useLayout();
  const dark = useDark();
  const panel = (name: keyof Panels['collapsed'], label: string, icon: ReactNode, shortcut?: string) => (
    <IconButton
      label={`${panels.collapsed[name] ? 'Show' : 'Hide'} ${label}`}
      shortcut={shortcut}
      aria-pressed={!panels.collapsed[name]}
      onClick={() => panels.toggle(name)}
      data-testid={`toggle-${name}`}
    >
      {icon}
    </IconButton>
  );
  return (
    <nav className="activity-bar" aria-label="Views and panels">
      <div className="activity-group">
        {panel('branches', 'the branches', <GitBranch size={20} aria-hidden />)}
        {VIEW_ICONS.map((v) => (
          <IconButton
            key={v.id}
            label={v.label}
            shortcut={shortcutOf(v.id)}
            aria-current={tab === v.id ? 'page' : undefined}
            className={tab === v.id ? 'current' : undefined}
            onClick={() => show(v.id)}
          >
            {v.icon}
          </IconButton>
        ))}
        {panel('gateways', 'the gateways', <Waypoints size={20} aria-hidden />)}
        {panel('bottom', 'the panel (terminal, logs)', <PanelBottom size={20} aria-hidden />)}
      </div>
      <div className="activity-group">
        <IconButton label="Commands" shortcut="Ctrl+K" onClick={() => setPalette(true)}>
          <Command size={20} aria-hidden />
        </IconButton>
        <IconButton label={dark ? 'Light theme' : 'Dark theme'} onClick={() => setTheme(dark ? 'light' : 'dark')}>
          {dark ? <Sun size={20} aria-hidden /> : <Moon size={20} aria-hidden />}
        </IconButton>
        <IconButton
          label="Settings"
          shortcut="Ctrl+,"
          aria-current={tab === 'settings' ? 'page' : undefined}
          className={tab === 'settings' ? 'current' : undefined}
          onClick={() => show('settings')}
        >
          <Settings size={20} aria-hidden />
        </IconButton>
      </div>
    </nav>
  );
}
