// The workbench under the title bar: the activity bar on the far left, then the branches, the
// work in the centre (its tabs above, the bottom panel below) and the gateways, each panel
// resizable by its separator (mouse or arrow keys) and collapsible; sizes and what is collapsed
// are remembered across reloads (localStorage).
import { useEffect, useRef, useState } from 'react';
import { Group, Panel, Separator, useDefaultLayout, usePanelRef } from 'react-resizable-panels';
import type { PanelImperativeHandle } from 'react-resizable-panels';
import { CodebasesPane } from '../panes/codebases-pane.tsx';
import { GatewaysPane } from '../panes/gateways-pane.tsx';
import { onExpandBottom } from '../stores/layout-store.ts';
import { ActivityBar } from './activity-bar.tsx';
import { BottomPanel } from './bottom-panel.tsx';
import { Centre } from './centre.tsx';

export type PanelName = 'branches' | 'gateways' | 'bottom';

const storage = (() => {
  try {
    return localStorage;
  } catch {
    return undefined; // storage off: sizes last until the window closes
  }
})();

/** The bottom panel collapsed: its tab strip alone (Terminal, Logs, … stay one click away). */
const BOTTOM_COLLAPSED = 37;
/** What the bottom panel opens to when it was never open: enough for a terminal, not half the centre. */
const BOTTOM_OPEN = '30%';

/**
 * Opens a collapsed panel: to `size` when given (the bottom panel's last open height, or its
 * default when it was never open: the library's own expand() would open it to its minimum).
 */
function expand(panel: PanelImperativeHandle, size?: string): void {
  if (!panel.isCollapsed()) return;
  if (size) panel.resize(size);
  else panel.expand();
}

function toggle(panel: PanelImperativeHandle | null, size?: string): void {
  if (!panel) return;
  if (panel.isCollapsed()) expand(panel, size);
  else panel.collapse();
}

export function Workbench({ dark }: { dark: boolean }) {
  const outer = useDefaultLayout({ id: 'branchyard.layout.workbench', storage });
  const inner = useDefaultLayout({ id: 'branchyard.layout.centre', storage });
  const branches = usePanelRef();
  const gateways = usePanelRef();
  const bottom = usePanelRef();
  const [collapsed, setCollapsed] = useState<Record<PanelName, boolean>>({
    branches: false,
    gateways: false,
    bottom: inner.defaultLayout === undefined,
  });
  // Until the user sizes it, the bottom panel starts as its tab strip: an empty terminal would
  // otherwise take a third of the centre from the chat. A view shown in it opens it.
  const [bottomUnsized] = useState(() => inner.defaultLayout === undefined);
  const follow =
    (name: PanelName, floor = 0) =>
    (size: { inPixels: number }) => {
      const shut = size.inPixels < floor + 1;
      if (name === 'bottom' && !shut) bottomOpen.current = size.inPixels;
      setCollapsed((c) => (c[name] === shut ? c : { ...c, [name]: shut }));
    };
  // The bottom panel's height when last open (the user's, when they set it).
  const bottomOpen = useRef<number | null>(null);
  const bottomSize = () => (bottomOpen.current ? `${bottomOpen.current}px` : BOTTOM_OPEN);
  useEffect(() => {
    onExpandBottom(() => bottom.current && expand(bottom.current, bottomSize()));
  }, [bottom]);
  const panels = {
    collapsed,
    toggle: (name: PanelName) =>
      toggle({ branches, gateways, bottom }[name].current, name === 'bottom' ? bottomSize() : undefined),
  };
  return (
    <div className="workbench">
      <ActivityBar panels={panels} />
      <Group
        orientation="horizontal"
        className="panels"
        id="workbench"
        defaultLayout={outer.defaultLayout}
        onLayoutChanged={outer.onLayoutChanged}
      >
        <Panel
          id="branches"
          panelRef={branches}
          defaultSize="20%"
          minSize="180px"
          maxSize="45%"
          collapsible
          collapsedSize="0px"
          onResize={follow('branches')}
          className="panel side"
        >
          <CodebasesPane />
        </Panel>
        <Separator className="separator vertical" aria-label="Resize the branches panel" />
        <Panel id="centre" minSize="360px" className="panel centre-panel">
          <Group
            orientation="vertical"
            id="centre"
            defaultLayout={inner.defaultLayout}
            onLayoutChanged={inner.onLayoutChanged}
          >
            <Panel id="editor" minSize="160px" className="panel editor-area">
              <Centre dark={dark} />
            </Panel>
            <Separator className="separator horizontal" aria-label="Resize the bottom panel" />
            <Panel
              id="bottom"
              panelRef={bottom}
              defaultSize={bottomUnsized ? `${BOTTOM_COLLAPSED}px` : BOTTOM_OPEN}
              minSize="120px"
              collapsible
              collapsedSize={`${BOTTOM_COLLAPSED}px`}
              onResize={follow('bottom', BOTTOM_COLLAPSED)}
              className="panel bottom-panel"
            >
              <BottomPanel collapsed={collapsed.bottom} onToggle={() => panels.toggle('bottom')} />
            </Panel>
          </Group>
        </Panel>
        <Separator className="separator vertical" aria-label="Resize the gateways panel" />
        <Panel
          id="gateways"
          panelRef={gateways}
          defaultSize="24%"
          minSize="220px"
          maxSize="45%"
          collapsible
          collapsedSize="0px"
          onResize={follow('gateways')}
          className="panel side"
        >
          <GatewaysPane />
        </Panel>
      </Group>
    </div>
  );
}

export interface Panels {
  collapsed: Record<PanelName, boolean>;
  toggle(name: PanelName): void;
}
