// The workspace picker: the workspaces opened lately, opening another by its folder, or making
// a new one there (`init`). The engine switches to it; the window then reads everything again.
// A dialog: Esc closes it, focus stays inside while it is open.
import { FolderOpen } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorMessage } from '../api.ts';
import { Dialog } from '../ui/dialog.tsx';

type Recent = Awaited<ReturnType<typeof api.workspace.recent.query>>;

export function WorkspacePicker({ open: shown, onClose }: { open: boolean; onClose: () => void }) {
  const [recent, setRecent] = useState<Recent>([]);
  const [dir, setDir] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (shown) void api.workspace.recent.query().then(setRecent, (e: unknown) => setError(errorMessage(e)));
  }, [shown]);
  const open = async (target: string) => {
    setBusy(`opening ${target}…`);
    setError(null);
    try {
      await api.workspace.open.mutate({ dir: target });
      // Every pane reads the new workspace from the start.
      location.reload();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(null);
    }
  };
  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (!dir.trim()) return;
    setBusy(`creating a workspace in ${dir}…`);
    setError(null);
    try {
      const made = await api.workspace.init.mutate({ dir: dir.trim(), name: name.trim() || undefined });
      await open(made.root);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(null);
    }
  };
  return (
    <Dialog
      open={shown}
      onClose={onClose}
      title="Workspaces"
      description="Open a workspace you used lately, or open or create one by its folder."
      testId="workspace-picker"
      className="picker"
    >
      <h3 className="section-title">Recent</h3>
      <ul className="list recent" data-testid="recent-workspaces">
        {recent.map((r) => (
          <li key={r.dir}>
            <button
              type="button"
              className="link-button"
              disabled={r.current || busy !== null}
              onClick={() => void open(r.dir)}
            >
              <FolderOpen size={14} aria-hidden />
              {r.name ?? '(unreadable)'}
            </button>{' '}
            <span className="muted">{r.dir}</span> {r.current && <span className="badge">open</span>}
          </li>
        ))}
        {recent.length === 0 && <li className="muted">None yet.</li>}
      </ul>
      <form onSubmit={(e) => void create(e)} className="picker-form">
        <input
          className="input"
          aria-label="Workspace folder"
          placeholder="/path/to/a/workspace"
          value={dir}
          onChange={(e) => setDir(e.target.value)}
        />
        <input
          className="input"
          aria-label="Workspace name"
          placeholder="name (for a new one)"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button
          type="button"
          className="button"
          disabled={!dir.trim() || busy !== null}
          onClick={() => void open(dir.trim())}
        >
          Open
        </button>
        <button type="submit" className="button primary" disabled={!dir.trim() || busy !== null}>
          Create
        </button>
      </form>
      {busy && <p className="muted">{busy}</p>}
      {error && (
        <p className="error" role="alert" data-testid="picker-error">
          {error}
        </p>
      )}
    </Dialog>
  );
}
