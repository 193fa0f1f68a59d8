// Logs of the selected branch as a table: time, method, path, status (coloured by class) and
// duration for the gateway's access lines, the text for the others; escape codes stripped on
// screen and in "copy as context", whose size in tokens shows on the button before copying. The
// filter narrows and marks the rows as the user types; Live tail adds lines as they are written.
// Rows are drawn only where they are in view, so a long file scrolls and filters without delay.
import { useVirtualizer } from '@tanstack/react-virtual';
import { ClipboardCopy, Radio, RefreshCw } from 'lucide-react';
import { useDeferredValue, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useBranches } from '../stores/branches-store.ts';
import { useLogs } from '../stores/logs-store.ts';
import { Highlight } from './logs/highlight.tsx';
import type { LogRow, StatusFilter } from './logs/log-rows.ts';
import { cleanText, filterRows, parseLine, parseText, shortTime } from './logs/log-rows.ts';
import { formatBranch } from '../branch-number.ts';

const ROW_HEIGHT = 24;
const statusClass = (status: number) =>
  status >= 500 ? 'bad' : status >= 400 ? 'warn' : status >= 300 ? 'muted' : 'good';

export function LogsPane() {
  const selected = useBranches((s) => s.selected);
  const { files, open, live, following, error, load, read, follow } = useLogs();
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  const [copied, setCopied] = useState(false);
  // Typing stays quick: the rows are filtered again once React has time for it.
  const deferredQuery = useDeferredValue(query);
  useEffect(() => {
    if (selected) void load(selected);
  }, [selected, load]);
  const fileRows = useMemo(() => (open ? parseText(open.type, open.text) : []), [open]);
  const rows = useMemo(() => {
    if (!following) return fileRows;
    return [...fileRows, ...live.map((l, i) => parseLine(l.type, l.line, fileRows.length + i))];
  }, [fileRows, live, following]);
  const shown = useMemo(() => filterRows(rows, deferredQuery, status), [rows, deferredQuery, status]);
  if (!selected) return <p className="hint empty">Select a branch to read its logs.</p>;
  const copy = async () => {
    if (!open) return;
    // Clean text with a line saying where it comes from: ready to paste into a prompt.
    await navigator.clipboard
      .writeText(
        `Log ${open.type}/${open.file} of ${selected.codebase} branch ${formatBranch(selected.branch)}:\n\n${cleanText(open.text)}`,
      )
      .catch(() => undefined);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <section className="view logs" aria-labelledby="logs-title" data-testid="logs">
      <div className="logs-toolbar">
        <h2 id="logs-title" className="logs-title">
          Logs of {selected.codebase} {formatBranch(selected.branch)}
        </h2>
        <input
          className="input logs-filter"
          type="search"
          aria-label="Filter the log lines"
          placeholder="Filter"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          data-testid="log-filter"
        />
        <select
          className="select"
          aria-label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as StatusFilter)}
        >
          <option value="all">any status</option>
          <option value="2xx">2xx</option>
          <option value="3xx">3xx</option>
          <option value="4xx">4xx</option>
          <option value="5xx">5xx</option>
          <option value="errors">errors (4xx, 5xx)</option>
        </select>
        <button
          type="button"
          className={`button small${following ? ' primary' : ''}`}
          aria-pressed={following}
          onClick={() => follow(!following)}
          data-testid="log-live-toggle"
        >
          <Radio size={14} aria-hidden /> Live tail
        </button>
        <button
          type="button"
          className="icon-button small"
          aria-label="Refresh the list of files"
          title="Refresh"
          onClick={() => void load(selected)}
        >
          <RefreshCw size={14} aria-hidden />
        </button>
        <span className="muted logs-count" aria-live="polite">
          {shown.length === rows.length ? `${rows.length} lines` : `${shown.length} of ${rows.length} lines`}
        </span>
        {open && (
          <button type="button" className="button small" onClick={() => void copy()} data-testid="log-copy">
            <ClipboardCopy size={14} aria-hidden />{' '}
            {copied ? 'Copied' : `Copy as context · ${open.tokens.toLocaleString()} tokens`}
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="logs-body">
        <nav className="log-files-nav" aria-label="Log files">
          {files.length === 0 ? (
            <p className="hint">No logs yet: they appear once the branch runs or is called.</p>
          ) : (
            <ul className="list log-files" data-testid="log-files">
              {files.map((f) => (
                <li key={`${f.type}/${f.file}`}>
                  <button
                    type="button"
                    className={`log-file${open?.file === f.file && open.type === f.type ? ' selected' : ''}`}
                    aria-current={open?.file === f.file && open.type === f.type ? 'true' : undefined}
                    onClick={() => void read(f.type, f.file)}
                  >
                    <span className="log-file-name">
                      {f.type}/{f.file}
                    </span>{' '}
                    <span className="muted">
                      {f.tokens.toLocaleString()} tokens{f.open ? ' · being written' : ''}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </nav>
        <LogTable
          rows={shown}
          query={deferredQuery}
          tail={following}
          empty={
            open || following
              ? rows.length
                ? 'No line matches the filter.'
                : following
                  ? 'Waiting for lines…'
                  : 'The file is empty.'
              : 'Open a file, or turn on Live tail.'
          }
        />
      </div>
    </section>
  );
}

function LogTable({ rows, query, tail, empty }: { rows: LogRow[]; query: string; tail: boolean; empty: string }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  // Live tail keeps the newest line in view, unless the user scrolled up to read.
  const pinned = useRef(true);
  useLayoutEffect(() => {
    if (tail && pinned.current && rows.length) virtual.scrollToIndex(rows.length - 1, { align: 'end' });
  }, [tail, rows.length, virtual]);
  const items = virtual.getVirtualItems();
  const before = items[0]?.start ?? 0;
  const after = virtual.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <div
      ref={scroller}
      className="log-table-scroll"
      tabIndex={0}
      aria-label="Log lines"
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 2 * ROW_HEIGHT;
      }}
    >
      {rows.length === 0 ? (
        <p className="hint empty">{empty}</p>
      ) : (
        <table className="log-table" data-testid="log-text">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Method</th>
              <th scope="col">Path</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Duration
              </th>
              <th scope="col">Line</th>
            </tr>
          </thead>
          <tbody>
            {before > 0 && <tr aria-hidden style={{ height: before }} />}
            {items.map((item) => {
              const r = rows[item.index]!;
              return (
                <tr key={r.n} data-testid="log-row" data-type={r.type}>
                  <td className="time" title={r.time}>
                    {shortTime(r.time)}
                  </td>
                  <td>{r.method}</td>
                  <td className="path">{r.path && <Highlight text={r.path} query={query} />}</td>
                  <td>
                    {r.status !== undefined && (
                      <span className={`status-pill ${statusClass(r.status)}`}>{r.status}</span>
                    )}
                  </td>
                  <td className="num">{r.durationMs !== undefined && `${r.durationMs} ms`}</td>
                  <td className="text">
                    <Highlight text={r.text} query={query} />
                  </td>
                </tr>
              );
            })}
            {after > 0 && <tr aria-hidden style={{ height: after }} />}
          </tbody>
        </table>
      )}
    </div>
  );
}
