// The diff of the selected branch against its parent (or any branch): the changed files from
// its record, and a read-only Monaco diff of the one chosen, side by side.
import { DiffEditor } from '@monaco-editor/react';
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../api.ts';
import { languageOf } from '../monaco.ts';
import { useBranches } from '../stores/branches-store.ts';

const pad = (n: number | null) => (n === null ? '–' : String(n).padStart(5, '0'));

export function DiffPane({ dark }: { dark: boolean }) {
  const selected = useBranches((s) => s.selected);
  const detail = useBranches((s) => s.detail);
  const [file, setFile] = useState<string | null>(null);
  const [texts, setTexts] = useState<{ original: string; modified: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const changes = detail?.diff.changes ?? [];
  const against = detail?.diff.against ?? null;
  // A new branch shown: its first changed file. (The effects read `changes` through `detail`.)
  useEffect(() => setFile(detail?.diff.changes[0]?.path ?? null), [detail]);
  useEffect(() => {
    if (!selected || !file) return setTexts(null);
    const change = changes.find((c) => c.path === file);
    const read = (branch: number | null, present: boolean) =>
      branch === null || !present ? Promise.resolve('') : api.branch.file.query({ codebase: selected.codebase, branch, path: file }).then((f) => (f.binary ? `(binary, ${f.size} bytes)` : f.content));
    let current = true;
    Promise.all([read(against, change?.kind !== 'added'), read(selected.branch, change?.kind !== 'deleted')]).then(
      ([original, modified]) => current && (setTexts({ original, modified }), setError(null)),
      (e: unknown) => current && setError(errorMessage(e)),
    );
    return () => {
      current = false;
    };
  }, [selected, file, against]);
  if (!selected || !detail) return <p className="hint pane">Select a branch to see what it changed.</p>;
  return (
    <section className="pane diff-pane" aria-labelledby="diff-title" data-testid="diff">
      <h2 id="diff-title">
        {selected.codebase} {pad(selected.branch)} against {pad(against)}
      </h2>
      <div className="diff-layout">
        <ul className="list diff-files" data-testid="diff-files">
          {changes.map((c) => (
            <li key={c.path}>
              <button type="button" className={`link${c.path === file ? ' selected' : ''}`} onClick={() => setFile(c.path)}>
                <span className={`kind-${c.kind}`}>{c.kind[0]!.toUpperCase()}</span> {c.path}
              </button>
            </li>
          ))}
        </ul>
        <div className="diff-editor" data-testid="diff-editor">
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          {texts && file && (
            <DiffEditor
              height="60vh"
              original={texts.original}
              modified={texts.modified}
              language={languageOf(file)}
              theme={dark ? 'vs-dark' : 'vs'}
              // Side by side only when there are two sides: an added or deleted file reads better inline.
              options={{ readOnly: true, renderSideBySide: changes.find((c) => c.path === file)?.kind === 'modified', minimap: { enabled: false }, automaticLayout: true }}
            />
          )}
        </div>
      </div>
    </section>
  );
}
