// The command palette (Ctrl+K): every action by name, filtered as you type, run with Enter.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { useBranches } from '../stores/branches-store.ts';
import { useGateways } from '../stores/gateways-store.ts';
import { TABS, useLayout } from '../stores/layout-store.ts';
import { useTerminals } from '../stores/terminal-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';

interface Command {
  label: string;
  run(): void;
}

export function CommandPalette() {
  const { setTab, setTheme, setPalette } = useLayout();
  const selected = useBranches((s) => s.selected);
  const gateways = useGateways((s) => s.listing?.gateways ?? null);
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const commands = useMemo<Command[]>(() => {
    const list: Command[] = [
      ...TABS.map((t) => ({ label: `Show ${t.label}`, run: () => setTab(t.id) })),
      { label: 'Theme: dark', run: () => setTheme('dark') },
      { label: 'Theme: light', run: () => setTheme('light') },
      { label: 'Theme: follow the system', run: () => setTheme('system') },
      { label: 'Reload the workspace', run: () => void useWorkspace.getState().load() },
    ];
    if (selected) {
      const label = `${selected.codebase} ${String(selected.branch).padStart(5, '0')}`;
      list.push({ label: `Terminal: shell in the container of ${label}`, run: () => (setTab('terminal'), void useTerminals.getState().open(selected.codebase, selected.branch, 'container')) });
      list.push({ label: `Terminal: shell on this machine for ${label}`, run: () => (setTab('terminal'), void useTerminals.getState().open(selected.codebase, selected.branch, 'host')) });
      for (const g of gateways ?? []) list.push({ label: `Promote ${label} to ${g.name}`, run: () => void useGateways.getState().promote(g.name, selected.codebase, selected.branch) });
    }
    return list;
  }, [selected, gateways, setTab, setTheme]);

  const shown = commands.filter((c) => c.label.toLowerCase().includes(query.toLowerCase()));
  const run = (command: Command | undefined) => {
    if (!command) return;
    setPalette(false);
    command.run();
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown') setIndex((i) => Math.min(shown.length - 1, i + 1));
    else if (event.key === 'ArrowUp') setIndex((i) => Math.max(0, i - 1));
    else if (event.key === 'Enter') run(shown[index]);
    else if (event.key === 'Escape') setPalette(false);
    else return;
    event.preventDefault();
  };
  return (
    <div className="palette-backdrop" onClick={() => setPalette(false)}>
      <div className="palette" role="dialog" aria-label="Commands" onClick={(e) => e.stopPropagation()} data-testid="palette">
        <input
          ref={input}
          aria-label="Command"
          placeholder="Type a command"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setIndex(0);
          }}
          onKeyDown={onKey}
        />
        <ul className="list" role="listbox">
          {shown.map((c, i) => (
            <li key={c.label} role="option" aria-selected={i === index} className={i === index ? 'selected' : undefined} onClick={() => run(c)}>
              {c.label}
            </li>
          ))}
          {shown.length === 0 && <li className="muted">No command matches.</li>}
        </ul>
      </div>
    </div>
  );
}
