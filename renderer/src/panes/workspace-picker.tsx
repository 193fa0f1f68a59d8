// The workspace picker: the workspaces opened lately, opening another by its folder, or making
// a new one there (`init`). The engine switches to it; the window then reads everything again.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorMessage } from '../api.ts';

type Recent = Awaited<ReturnType<typeof api.workspace.recent.query>>;

export function WorkspacePicker({ onClose }: { onClose: () => void }) {
  const [recent, setRecent] = useState<Recent>([]);
  const [dir, setDir] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void api.workspace.recent.query().then(setRecent, (e: unknown) => setError(errorMessage(e)));
  }, []);
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
    <div className="palette-backdrop" onClick={onClose}>
      <div className="palette picker" role="dialog" aria-label="Workspaces" onClick={(e) => e.stopPropagation()} data-testid="workspace-picker">
        <h2>Workspaces</h2>
        <ul className="list" data-testid="recent-workspaces">
          {recent.map((r) => (
            <li key={r.dir}>
              <button type="button" className="link" disabled={r.current || busy !== null} onClick={() => void open(r.dir)}>
                {r.name ?? '(unreadable)'}
              </button>{' '}
              <span className="muted">{r.dir}</span> {r.current && <span className="badge">open</span>}
            </li>
          ))}
          {recent.length === 0 && <li className="muted">None yet.</li>}
        </ul>
        <form onSubmit={(e) => void create(e)} className="picker-form">
          <input aria-label="Workspace folder" placeholder="/path/to/a/workspace" value={dir} onChange={(e) => setDir(e.target.value)} />
          <input aria-label="Workspace name" placeholder="name (for a new one)" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="button" disabled={!dir.trim() || busy !== null} onClick={() => void open(dir.trim())}>
            Open
          </button>
          <button type="submit" disabled={!dir.trim() || busy !== null}>
            Create
          </button>
        </form>
        {busy && <p className="muted">{busy}</p>}
        {error && (
          <p className="error" role="alert" data-testid="picker-error">
            {error}
          </p>
        )}
      </div>
    </div>
  );
}
