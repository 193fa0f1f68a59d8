// The tab strip of an area (the centre, the bottom panel): a WAI-ARIA tablist, arrow keys move
// between tabs, each tab names its shortcut. A collapsed area shows no tab as selected (nothing of
// it is on screen), though its last tab keeps the focus stop of the strip.
import type { KeyboardEvent, ReactNode } from 'react';
import type { ViewId } from '../stores/layout-store.ts';
import { shortcutOf, useLayout, VIEWS } from '../stores/layout-store.ts';

export function ViewTabs({
  area,
  label,
  badges = {},
  collapsed = false,
  children,
}: {
  area: 'centre' | 'bottom';
  label: string;
  collapsed?: boolean;
  badges?: Partial<Record<ViewId, number>>;
  children?: ReactNode;
}) {
  const current = useLayout((s) => (area === 'centre' ? s.tab : s.bottom));
  const show = useLayout((s) => s.show);
  const views = VIEWS.filter((v) => v.area === area);
  const onKey = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const at = views.findIndex((v) => v.id === current);
    const next = views[(at + (event.key === 'ArrowRight' ? 1 : views.length - 1)) % views.length]!;
    show(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
    event.preventDefault();
  };
  return (
    <div className="tab-strip">
      <div role="tablist" aria-label={label} className="tabs" onKeyDown={onKey}>
        {views.map((v) => {
          const selected = !collapsed && v.id === current;
          return (
            <button
              key={v.id}
              id={`tab-${v.id}`}
              type="button"
              role="tab"
              aria-selected={selected}
              aria-controls={selected ? `view-${v.id}` : undefined}
              tabIndex={v.id === current ? 0 : -1}
              className="tab"
              onClick={() => show(v.id)}
              title={`${v.label} (${shortcutOf(v.id)})`}
              data-testid={`tab-${v.id}`}
            >
              {v.label}
              {badges[v.id] ? <span className="count">{badges[v.id]}</span> : null}
            </button>
          );
        })}
      </div>
      {children && <div className="tab-actions">{children}</div>}
    </div>
  );
}
