// The diff of the selected branch against its parent or any other branch of its codebase (chosen
// above the files): the changed files, and a read-only Monaco diff of the one chosen, filling
// the space the centre gives it.
import { DiffEditor } from '@monaco-editor/react';
import type { DiffOnMount } from '@monaco-editor/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { api, errorMessage } from '../api.ts';
import { diffOptions, languageOf, monacoTheme, readOnlyOptions } from '../monaco.ts';
import { useBranches } from '../stores/branches-store.ts';
import { formatMaybeBranch } from '../branch-number.ts';

/** `shown`: the Diff tab is the one in view (hidden, the pane keeps its editor and reads nothing). */
export function DiffPane({ dark, shown = true }: { dark: boolean; shown?: boolean }) {
  const selected = useBranches((s) => s.selected);
  const detail = useBranches((s) => s.detail);
  const listing = useBranches((s) => (selected ? s.listings[selected.codebase] : undefined));
  // The parent (the record's own diff), or another branch asked for by number.
  const base = useBranches((s) => s.diffBase);
  const setBase = useBranches((s) => s.setDiffBase);
  const [other, setOther] = useState<Awaited<ReturnType<typeof api.branch.diff.query>> | null>(null);
  const [file, setFile] = useState<string | null>(null);
  const [texts, setTexts] = useState<{ original: string; modified: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const models = useDisposedAfterEditor();
  useEffect(() => {
    setOther(null);
    if (!selected || base === 'parent') return;
    let current = true;
    api.branch.diff.query({ codebase: selected.codebase, branch: selected.branch, against: base }).then(
      (diff) => current && (setOther(diff), setError(null)),
      (e: unknown) => current && setError(errorMessage(e)),
    );
    return () => {
      current = false;
    };
  }, [selected, base]);
  const diff = base === 'parent' ? detail?.diff : other;
  const changes = diff?.changes ?? [];
  const against = diff?.against ?? null;
  // Another diff shown: its first changed file. (The effects read `changes` through `diff`.)
  useEffect(() => setFile(diff?.changes[0]?.path ?? null), [diff]);
  useEffect(() => {
    if (!shown) return;
    if (!selected || !file) return setTexts(null);
    const change = changes.find((c) => c.path === file);
    const read = (branch: number | null, present: boolean) =>
      branch === null || !present
        ? Promise.resolve('')
        : api.branch.file
            .query({ codebase: selected.codebase, branch, path: file })
            .then((f) => (f.binary ? `(binary, ${f.size} bytes)` : f.content));
    let current = true;
    Promise.all([read(against, change?.kind !== 'added'), read(selected.branch, change?.kind !== 'deleted')]).then(
      ([original, modified]) => current && (setTexts({ original, modified }), setError(null)),
      (e: unknown) => current && setError(errorMessage(e)),
    );
    return () => {
      current = false;
    };
    // The branch clicked again is the same diff: read by number, not by the selection's object.
  }, [selected?.codebase, selected?.branch, file, against, shown]);
  const kind = changes.find((c) => c.path === file)?.kind;
  const branch = selected?.branch ?? null;
  // One object while the diff is the same: the editor applies new options (and lays itself out
  // again) whenever it is handed another object, which was on every render of this pane.
  const options = useMemo(
    () => ({
      ...readOnlyOptions,
      ...diffOptions,
      // Side by side only when there are two sides: an added or deleted file reads better inline.
      renderSideBySide: kind === 'modified',
      useInlineViewWhenSpaceIsLimited: true,
      originalAriaLabel: `${file} in ${formatMaybeBranch(against)}`,
      modifiedAriaLabel: `${file} in ${formatMaybeBranch(branch)}`,
    }),
    [kind, file, against, branch],
  );
  if (!selected || !detail) return <p className="hint empty">Select a branch to see what it changed.</p>;
  return (
    <section className="view diff-pane" aria-labelledby="diff-title" data-testid="diff">
      <div className="view-header">
        <h2 id="diff-title">
          {selected.codebase} {formatMaybeBranch(selected.branch)} against{' '}
          {base === 'parent' ? `${formatMaybeBranch(detail.diff.against)} (its parent)` : formatMaybeBranch(against)}
        </h2>
        <label className="field inline">
          <span>Against</span>
          <select
            aria-label="Diff against"
            value={String(base)}
            onChange={(e) => setBase(e.target.value === 'parent' ? 'parent' : Number(e.target.value))}
          >
            <option value="parent">its parent</option>
            {(listing?.branches ?? [])
              .filter((b) => b.number !== selected.branch)
              .map((b) => (
                <option key={b.number} value={b.number}>
                  {formatMaybeBranch(b.number)} {b.message}
                </option>
              ))}
          </select>
        </label>
        {base !== 'parent' && !other && !error && <p className="muted">reading the diff…</p>}
        {diff && changes.length === 0 && <p className="muted">No files differ.</p>}
      </div>
      <div className="diff-layout">
        <ul className="file-list" data-testid="diff-files" aria-label="Changed files">
          {changes.map((c) => (
            <li key={c.path}>
              <button
                type="button"
                className={`file${c.path === file ? ' selected' : ''}`}
                aria-current={c.path === file ? 'true' : undefined}
                onClick={() => setFile(c.path)}
                title={c.path}
              >
                <span className={`kind kind-${c.kind}`} title={c.kind}>
                  {c.kind[0]!.toUpperCase()}
                </span>{' '}
                <span className="path">
                  <bdi>{c.path}</bdi>
                </span>
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
              height="100%"
              original={texts.original}
              modified={texts.modified}
              language={languageOf(file)}
              theme={monacoTheme(dark)}
              keepCurrentOriginalModel
              keepCurrentModifiedModel
              onMount={(editor, monaco) => {
                models.mounted(editor, monaco);
                // The two sides' inputs, named for screen readers (the diff's own options do not reach them).
                editor
                  .getOriginalEditor()
                  .updateOptions({ ariaLabel: `${file} in ${formatMaybeBranch(against)}, read-only` });
                editor
                  .getModifiedEditor()
                  .updateOptions({ ariaLabel: `${file} in ${formatMaybeBranch(selected.branch)}, read-only` });
              }}
              options={options}
            />
          )}
        </div>
      </div>
    </section>
  );
}

/**
 * The diff editor's models, disposed after the editor that shows them. `@monaco-editor/react`
 * disposes them first when it unmounts, which Monaco reports as "TextModel got disposed before
 * DiffEditorWidget model got reset": it is told to keep them, and they go once the editor has.
 */
function useDisposedAfterEditor(): { mounted: DiffOnMount } {
  const held = useRef(new Set<{ dispose(): void }>());
  useEffect(() => {
    const models = held.current;
    return () => {
      // The editor is disposed in the same commit as this cleanup: the models go after it.
      setTimeout(() => {
        for (const model of models) model.dispose();
        models.clear();
      });
    };
  }, []);
  return {
    mounted: (editor) => {
      const model = editor.getModel();
      if (model) held.current.add(model.original).add(model.modified);
    },
  };
}
