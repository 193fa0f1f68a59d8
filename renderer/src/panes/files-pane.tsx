// The selected branch's files: its tree as a filterable list, and a read-only Monaco view of
// the file chosen. Loaded with Monaco, the first time the tab is shown.
import { Editor } from '@monaco-editor/react';
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../api.ts';
import { languageOf, monacoTheme, readOnlyOptions } from '../monaco.ts';
import { useBranches } from '../stores/branches-store.ts';
import { formatBranch } from '../branch-number.ts';

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
  if (!selected) return <p className="hint empty">Select a branch to browse its files.</p>;
  const open = (path: string) =>
    api.branch.file.query({ ...selected, path }).then(
      (f) => (setFile(f), setError(null)),
      (e: unknown) => setError(errorMessage(e)),
    );
  const shown = (tree?.files ?? []).filter((f) => f.path.toLowerCase().includes(filter.toLowerCase()));
  return (
    <section className="view files-pane" aria-labelledby="files-title" data-testid="files">
      <div className="view-header">
        <h2 id="files-title">
          Files of {selected.codebase} {formatBranch(selected.branch)}
        </h2>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div className="diff-layout">
        <div className="file-column">
          <input
            className="input"
            aria-label="Filter files"
            placeholder="Filter files"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
          <ul className="file-list" data-testid="file-list" aria-label="Files">
            {shown.map((f) => (
              <li key={f.path}>
                <button
                  type="button"
                  className={`file${file?.path === f.path ? ' selected' : ''}`}
                  aria-current={file?.path === f.path ? 'true' : undefined}
                  onClick={() => void open(f.path)}
                  title={f.path}
                >
                  <span className="path">
                    <bdi>{f.path}</bdi>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </div>
        <div className="diff-editor" data-testid="file-view">
          {file &&
            (file.binary ? (
              <p className="hint">
                {file.path}: binary, {file.size} bytes
              </p>
            ) : (
              <Editor
                height="100%"
                path={file.path}
                value={file.content}
                language={languageOf(file.path)}
                theme={monacoTheme(dark)}
                options={{ ...readOnlyOptions, ariaLabel: `${file.path}, read-only` }}
              />
            ))}
        </div>
      </div>
    </section>
  );
}
