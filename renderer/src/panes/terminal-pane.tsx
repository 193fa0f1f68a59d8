// Terminals into the selected branch: xterm tabs, each a shell in the branch's container or on
// the host in a copy of its files. Keys go to the engine as typed, except the window's own
// shortcuts (Ctrl+K, Alt+digits), which the terminal hands back; the view follows the panel's
// size and the window's theme; a tab closes when its shell exits.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { Plus, SquareTerminal, X } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { api } from '../api.ts';
import { appShortcut } from '../shell/shortcuts.ts';
import { terminalTheme, useDark } from '../theme.ts';
import { useBranches } from '../stores/branches-store.ts';
import type { TerminalTab } from '../stores/terminal-store.ts';
import { useTerminals } from '../stores/terminal-store.ts';
import { formatBranch } from '../branch-number.ts';

export function TerminalPane() {
  const selected = useBranches((s) => s.selected);
  const { tabs, active, error, open, show, close } = useTerminals();
  return (
    <section className="view terminals" aria-label="Terminal" data-testid="terminals">
      <div className="toolbar compact">
        {tabs.length > 0 && (
          <div role="tablist" className="session-tabs" aria-label="Terminal sessions">
            {tabs.map((t) => (
              <span key={t.id} className={`session-tab${t.id === active ? ' selected' : ''}`}>
                <button type="button" role="tab" aria-selected={t.id === active} onClick={() => show(t.id)}>
                  <SquareTerminal size={14} aria-hidden /> {t.where} · {t.codebase} {formatBranch(t.branch)}
                </button>
                <button
                  type="button"
                  className="icon-button small"
                  aria-label="Close terminal"
                  title="Close terminal"
                  onClick={() => void close(t.id)}
                >
                  <X size={14} aria-hidden />
                </button>
              </span>
            ))}
          </div>
        )}
        {selected ? (
          <>
            <button
              type="button"
              className="button"
              onClick={() => void open(selected.codebase, selected.branch, 'container')}
            >
              <Plus size={14} aria-hidden /> Shell in the container of {selected.codebase}{' '}
              {formatBranch(selected.branch)}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => void open(selected.codebase, selected.branch, 'host')}
            >
              <Plus size={14} aria-hidden /> Shell on this machine
            </button>
          </>
        ) : (
          <span className="hint">Select a branch to open a terminal into it.</span>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="terminal-stack">
        {tabs.map((t) => (
          <TerminalView key={t.id} tab={t} visible={t.id === active} />
        ))}
      </div>
    </section>
  );
}

function TerminalView({ tab, visible }: { tab: TerminalTab; visible: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const fit = useRef<FitAddon | null>(null);
  const term = useRef<Terminal | null>(null);
  const dark = useDark();
  useEffect(() => {
    const terminal = new Terminal({
      convertEol: false,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
      fontSize: 13,
      cursorBlink: true,
      theme: terminalTheme(document.documentElement.dataset.theme === 'dark'),
    });
    term.current = terminal;
    // The window's shortcuts are the window's: xterm lets them through to its listeners.
    terminal.attachCustomKeyEventHandler((event) => appShortcut(event) === null);
    const addon = new FitAddon();
    fit.current = addon;
    terminal.loadAddon(addon);
    terminal.open(host.current!);
    addon.fit();
    void api.terminal.resize.mutate({ id: tab.id, cols: terminal.cols, rows: terminal.rows }).catch(() => undefined);
    // Keys in order: each waits for the one before, so fast typing is never reordered.
    let sending = Promise.resolve();
    const typed = terminal.onData((data) => {
      sending = sending.then(() =>
        api.terminal.input.mutate({ id: tab.id, data }).then(
          () => undefined,
          () => undefined,
        ),
      );
    });
    const resized = terminal.onResize(
      ({ cols, rows }) => void api.terminal.resize.mutate({ id: tab.id, cols, rows }).catch(() => undefined),
    );
    const output = api.terminal.output.subscribe(
      { id: tab.id },
      {
        onData: (item) => {
          if ('data' in item) terminal.write(item.data);
          else useTerminals.getState().exited(tab.id);
        },
      },
    );
    const observer = new ResizeObserver(() => addon.fit());
    observer.observe(host.current!);
    return () => {
      observer.disconnect();
      output.unsubscribe();
      typed.dispose();
      resized.dispose();
      terminal.dispose();
      term.current = null;
    };
  }, [tab.id]);
  useEffect(() => {
    if (term.current) term.current.options.theme = terminalTheme(dark);
  }, [dark]);
  useEffect(() => {
    if (visible) fit.current?.fit();
  }, [visible]);
  return <div ref={host} className="xterm-host" data-testid={`terminal-${tab.id}`} hidden={!visible} />;
}
