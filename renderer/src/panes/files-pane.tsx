// The selected branch's files: its tree as a filterable list, and a read-only Monaco view of
// the file chosen. Loaded with Monaco, the first time the tab is shown.
import { Editor } from '@monaco-editor/react';
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../api.ts';
import { languageOf } from '../monaco.ts';
import { useBranches } from '../stores/branches-store.ts';

type Tree = Awaited<ReturnType<typeof api.branch.tree.query>>;
type File = Awaited<ReturnType<typeof api.branch.file.query>>;

export function FilesPane({ dark }: { dark: boolean }) {
  const selected = useBranches((s) => s.selected);
  const [tree, setTree] = useState<Tree | null>(null);
  const [filter, setFilter] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setTree(null);
    setFile(null);
    if (!selected) return;
    let current = true;
    api.branch.tree.query(selected).then(
      (t) => current && (setTree(t), setError(null)),
      (e: unknown) => current && setError(errorMessage(e)),
    );
    return () => {
      current = false;
    };
  }, [selected]);
  if (!selected) return <p className="hint pane">Select a branch to browse its files.</p>;
  const open = (path: string) =>
    api.branch.file.query({ ...selected, path }).then(
      (f) => (setFile(f), setError(null)),
      (e: unknown) => setError(errorMessage(e)),
    );
  const shown = (tree?.files ?? []).filter((f) => f.path.toLowerCase().includes(filter.toLowerCase()));
  return (
    <section className="pane files-pane" aria-labelledby="files-title" data-testid="files">
      <h2 id="files-title">
        Files of {selected.codebase} {String(selected.branch).padStart(5, '0')}
      </h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="diff-layout">
        <div>
          <input aria-label="Filter files" placeholder="Filter" value={filter} onChange={(e) => setFilter(e.target.value)} />
          <ul className="list diff-files" data-testid="file-list">
            {shown.map((f) => (
              <li key={f.path}>
                <button type="button" className={`link${file?.path === f.path ? ' selected' : ''}`} onClick={() => void open(f.path)}>
                  {f.path}
                </button>
              </li>
            ))}
          </ul>
        </div>
        <div className="diff-editor" data-testid="file-view">
          {file && (file.binary ? <p className="hint">{file.path}: binary, {file.size} bytes</p> : <Editor height="60vh" path={file.path} value={file.content} language={languageOf(file.path)} theme={dark ? 'vs-dark' : 'vs'} options={{ readOnly: true, minimap: { enabled: false }, automaticLayout: true }} />)}
        </div>
      </div>
    </section>
  );
}
