// Logs of the selected branch: its token-sized files per type with their token counts, one open
// at a time, "copy as context" for pasting into a prompt, search, and live follow.
import { useEffect, useState } from 'react';
import { useBranches } from '../stores/branches-store.ts';
import { useLogs } from '../stores/logs-store.ts';

export function LogsPane() {
  const selected = useBranches((s) => s.selected);
  const { files, open, live, following, matches, error, load, read, search, follow } = useLogs();
  const [query, setQuery] = useState('');
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (selected) void load(selected);
  }, [selected, load]);
  if (!selected) return <p className="hint empty">Select a branch to read its logs.</p>;
  const copy = async () => {
    if (!open) return;
    // The file as it is, with a line saying where it comes from: ready to paste into a prompt.
    await navigator.clipboard.writeText(`Log ${open.type}/${open.file} of ${selected.codebase} branch ${String(selected.branch).padStart(5, '0')} (${open.tokens} tokens):\n\n${open.text}`).catch(() => undefined);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <section className="view logs scroll padded" aria-labelledby="logs-title" data-testid="logs" tabIndex={0}>
      <h2 id="logs-title">
        Logs of {selected.codebase} {String(selected.branch).padStart(5, '0')}
      </h2>
      <div className="toolbar">
        <button type="button" className="button" onClick={() => void load(selected)}>
          Refresh
        </button>
        <label className="check-field">
          <input type="checkbox" checked={following} onChange={(e) => follow(e.target.checked)} /> Follow
        </label>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void search(query);
          }}
        >
          <input className="input" aria-label="Search the logs" placeholder="Search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </form>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {files.length === 0 ? (
        <p className="hint">No logs yet: they appear once the branch runs or is called.</p>
      ) : (
        <ul className="list log-files lines" data-testid="log-files">
          {files.map((f) => (
            <li key={`${f.type}/${f.file}`}>
              <button type="button" className={`link-button${open?.file === f.file && open.type === f.type ? ' selected' : ''}`} onClick={() => void read(f.type, f.file)}>
                {f.type}/{f.file}
              </button>{' '}
              <span className="muted">
                {f.tokens.toLocaleString()} tokens{f.open ? ' · being written' : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      {matches && (
        <ul className="list matches" data-testid="log-matches">
          {matches.length === 0 && <li className="muted">Nothing matches.</li>}
          {matches.map((m, i) => (
            <li key={i}>
              <code>
                {m.type}/{m.file}:{m.line}
              </code>{' '}
              {m.text}
            </li>
          ))}
        </ul>
      )}
      {following && (
        <pre className="log-text live" data-testid="log-live" tabIndex={0} aria-label="Live log lines">
          {live.join('\n') || 'waiting for lines…'}
        </pre>
      )}
      {open && (
        <>
          <p>
            <strong>
              {open.type}/{open.file}
            </strong>{' '}
            <span className="muted">{open.tokens.toLocaleString()} tokens</span>{' '}
            <button type="button" className="button" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy as context'}
            </button>
          </p>
          <pre className="log-text" data-testid="log-text" tabIndex={0} aria-label="Log file">
            {open.text}
          </pre>
        </>
      )}
    </section>
  );
}
