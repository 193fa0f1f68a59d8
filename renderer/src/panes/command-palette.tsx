// The command palette (Ctrl+K): every action by name, in groups, found by fuzzy search (cmdk),
// each with its shortcut; Enter runs one, Esc closes. A Radix dialog underneath: focus stays in it.
import * as RadixDialog from '@radix-ui/react-dialog';
import { Command } from 'cmdk';
import { useMemo } from 'react';
import { useBranches } from '../stores/branches-store.ts';
import { useGateways } from '../stores/gateways-store.ts';
import { shortcutOf, useLayout, VIEWS } from '../stores/layout-store.ts';
import { useTerminals } from '../stores/terminal-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';
import { formatBranch } from '../branch-number.ts';

interface Action {
  group: string;
  label: string;
  shortcut?: string;
  run(): void;
}

export function CommandPalette() {
  const { show, setTheme, setPalette, setPicker, paletteOpen } = useLayout();
  const selected = useBranches((s) => s.selected);
  const gateways = useGateways((s) => s.listing?.gateways ?? null);

  const actions = useMemo<Action[]>(() => {
    const list: Action[] = [
      ...VIEWS.map((v) => ({
        group: 'Views',
        label: `Show ${v.label}`,
        shortcut: shortcutOf(v.id),
        run: () => show(v.id),
      })),
      { group: 'Workspace', label: 'Open or create a workspace…', run: () => setPicker(true) },
      { group: 'Workspace', label: 'Reload the workspace', run: () => void useWorkspace.getState().load() },
      { group: 'Theme', label: 'Theme: dark', run: () => setTheme('dark') },
      { group: 'Theme', label: 'Theme: light', run: () => setTheme('light') },
      { group: 'Theme', label: 'Theme: follow the system', run: () => setTheme('system') },
    ];
    if (selected) {
      const label = `${selected.codebase} ${formatBranch(selected.branch)}`;
      list.push({
        group: 'Branch',
        label: `Terminal: shell in the container of ${label}`,
        run: () => (
          show('terminal'),
          void useTerminals.getState().open(selected.codebase, selected.branch, 'container')
        ),
      });
      list.push({
        group: 'Branch',
        label: `Terminal: shell on this machine for ${label}`,
        run: () => (show('terminal'), void useTerminals.getState().open(selected.codebase, selected.branch, 'host')),
      });
      for (const g of gateways ?? [])
        list.push({
          group: 'Branch',
          label: `Promote ${label} to ${g.name}`,
          run: () => void useGateways.getState().promote(g.name, selected.codebase, selected.branch),
        });
    }
    return list;
  }, [selected, gateways, show, setTheme, setPicker]);

  const groups = [...new Set(actions.map((a) => a.group))];
  const run = (action: Action) => {
    setPalette(false);
    action.run();
  };
  return (
    <RadixDialog.Root open={paletteOpen} onOpenChange={setPalette}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="dialog-overlay" />
        <RadixDialog.Content className="dialog palette" data-testid="palette" aria-describedby={undefined}>
          <RadixDialog.Title className="visually-hidden">Commands</RadixDialog.Title>
          {/* Ctrl+K is the palette's own key: cmdk's Emacs-style Ctrl+K/J/N/P are off. */}
          <Command label="Commands" loop vimBindings={false}>
            <Command.Input aria-label="Command" placeholder="Type a command or a view" className="palette-input" />
            <Command.List className="palette-list" aria-label="Commands">
              <Command.Empty className="muted palette-empty">No command matches.</Command.Empty>
              {groups.map((group) => (
                <Command.Group key={group} heading={group}>
                  {actions
                    .filter((a) => a.group === group)
                    .map((a) => (
                      <Command.Item key={a.label} value={a.label} onSelect={() => run(a)} className="palette-item">
                        <span>{a.label}</span>
                        {a.shortcut && <kbd>{a.shortcut}</kbd>}
                      </Command.Item>
                    ))}
                </Command.Group>
              ))}
            </Command.List>
          </Command>
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}
