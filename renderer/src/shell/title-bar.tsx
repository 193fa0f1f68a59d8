// The title bar: the product, the open workspace (a click opens the picker), and the command
// centre in the middle (Ctrl+K), as VS Code has it.
import { ChevronDown, Search } from 'lucide-react';
import { useLayout } from '../stores/layout-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';

export function TitleBar() {
  const info = useWorkspace((s) => s.info);
  const { setPalette, setPicker } = useLayout();
  return (
    <header className="title-bar">
      <h1 className="brand">Branchyard</h1>
      <button
        type="button"
        className="workspace-button"
        onClick={() => setPicker(true)}
        title={info ? `${info.root} — open or create a workspace` : 'Open or create a workspace'}
        aria-haspopup="dialog"
      >
        <span data-testid="workspace-name">{info ? info.name : 'loading…'}</span>
        <ChevronDown size={14} aria-hidden />
      </button>
      {info && <span className="muted path">{info.root}</span>}
      <button
        type="button"
        className="command-centre"
        onClick={() => setPalette(true)}
        aria-haspopup="dialog"
        aria-keyshortcuts="Control+K"
      >
        <Search size={14} aria-hidden />
        <span>Search commands and views</span>
        <kbd>Ctrl+K</kbd>
      </button>
    </header>
  );
}
