// The window (DESIGN.md §7): an application shell that never scrolls as a whole. The title bar
// with the workspace and the command centre, the workbench (activity bar; branches, the work,
// the bottom panel and the gateways, each resizable and collapsible), and the status bar. The
// theme follows the system or a choice; shortcuts live in shell/shortcuts.ts.
import { useEffect, useLayoutEffect } from 'react';
import { CommandPalette } from './panes/command-palette.tsx';
import { WorkspacePicker } from './panes/workspace-picker.tsx';
import { useEngineSync } from './shell/engine-sync.ts';
import { listenForShortcuts } from './shell/shortcuts.ts';
import { StatusBar } from './shell/status-bar.tsx';
import { TitleBar } from './shell/title-bar.tsx';
import { Workbench } from './shell/workbench.tsx';
import { useLayout } from './stores/layout-store.ts';
import { useWorkspace } from './stores/workspace-store.ts';
import { applyTokens, useDark } from './theme.ts';
import { TooltipProvider } from './ui/tooltip.tsx';

export function App() {
  const error = useWorkspace((s) => s.error);
  const pickerOpen = useLayout((s) => s.pickerOpen);
  const setPicker = useLayout((s) => s.setPicker);
  const dark = useDark();
  // Before paint, so no frame shows the other theme's colours.
  useLayoutEffect(() => applyTokens(dark), [dark]);
  useEffect(() => listenForShortcuts(), []);
  useEngineSync();
  return (
    <TooltipProvider delayDuration={400}>
      <div className="window">
        <TitleBar />
        {error && (
          <p className="banner error" role="alert">
            {error}
          </p>
        )}
        <Workbench dark={dark} />
        <StatusBar />
        <CommandPalette />
        <WorkspacePicker open={pickerOpen} onClose={() => setPicker(false)} />
      </div>
    </TooltipProvider>
  );
}
