// Chat: prompts to the agent for the chosen codebase, each a dev revision streamed as it goes
// (text, tool calls, turns, money spent against the budget), ending in a branch, a question
// answered in place, or the engine's reason. The conversation scrolls; the prompt box stays in
// view below it. Ctrl+Enter sends, once: a second press while a prompt is on its way does nothing.
import { ArrowUp, LoaderCircle } from 'lucide-react';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { Revision } from '../stores/chat-store.ts';
import { RUNNING, useChat } from '../stores/chat-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';

const usd = (micro: number) => `$${(micro / 1_000_000).toFixed(4)}`;

export function ChatPane() {
  const codebases = useWorkspace((s) => s.codebases);
  const { codebase, revisions, sending, error, setCodebase, send, restore } = useChat();
  const [draft, setDraft] = useState('');
  const log = useRef<HTMLOListElement>(null);
  const names = codebases.map((c) => c.name).join('\n');
  useEffect(() => {
    if (names) void restore(names.split('\n'));
  }, [names, restore]);
  // New text keeps the newest in view, unless the user scrolled up to read.
  const last = revisions.at(-1);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    if (pinned.current && log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [revisions.length, last?.text, last?.tools.length, last?.status]);
  const chosen = codebase ?? codebases[0]?.name ?? null;
  const submit = async () => {
    if (!chosen || !draft.trim() || useChat.getState().sending) return;
    if (!codebase) setCodebase(chosen);
    pinned.current = true;
    await send(draft);
    if (!useChat.getState().error) setDraft('');
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  };
  return (
    <section className="view chat" aria-labelledby="chat-title" data-testid="chat">
      <h2 id="chat-title" className="visually-hidden">
        Chat
      </h2>
      <ol
        ref={log}
        className="revisions"
        tabIndex={0}
        aria-label="Conversation"
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {revisions.length === 0 && (
          <li className="chat-empty">
            <p className="chat-empty-title">What should the API do?</p>
            <p className="muted">Each prompt becomes a new branch of the codebase, built and running beside the others. Try “add a route that lists users with pagination”.</p>
          </li>
        )}
        {revisions.map((r) => (
          <RevisionView key={`${r.codebase}:${r.revision}`} revision={r} />
        ))}
      </ol>
      <div className="composer-dock">
        {error && (
          <p className="error" role="alert" data-testid="chat-error">
            {error}
          </p>
        )}
        {codebases.length === 0 && <p className="hint">Prompts go to a codebase: add one first (<code>branchyard codebase add &lt;name&gt;</code>).</p>}
        <div className="composer">
          <textarea aria-label="Prompt" placeholder="Describe a change to the API…" value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={onKey} rows={3} />
          <div className="composer-row">
            <select className="select" aria-label="Codebase" value={chosen ?? ''} onChange={(e) => setCodebase(e.target.value)}>
              {codebases.map((c) => (
                <option key={c.name}>{c.name}</option>
              ))}
            </select>
            <span className="muted kbd-hint">
              <kbd>Ctrl</kbd>+<kbd>Enter</kbd> to send
            </span>
            <button type="button" className="button primary" onClick={() => void submit()} disabled={sending || !chosen || !draft.trim()}>
              {sending ? <LoaderCircle size={14} className="spin" aria-hidden /> : <ArrowUp size={14} aria-hidden />} {sending ? 'Sending…' : 'Send'}
            </button>
          </div>
        </div>
      </div>
    </section>
  );
}

function RevisionView({ revision: r }: { revision: Revision }) {
  const answer = useChat((s) => s.answer);
  const [reply, setReply] = useState('');
  const done = !RUNNING.has(r.status);
  return (
    <li className={`revision status-${r.status}`} data-testid={`revision-${r.revision}`}>
      <header>
        <strong>
          {r.codebase} · revision {String(r.revision).padStart(4, '0')}
        </strong>{' '}
        <span className="badge" data-testid="revision-status">
          {r.status}
        </span>
        {r.maxTurns > 0 && (
          <span className="muted">
            {' '}
            turn {r.turn}/{r.maxTurns}
          </span>
        )}
        <span className="muted spend" data-testid="revision-spend">
          {usd(r.spentMicroUsd)}
          {r.budgetMicroUsd > 0 && ` of ${usd(r.budgetMicroUsd)}`}
        </span>
      </header>
      {r.prompts.map((p, i) => (
        <p key={i} className="prompt">
          {p}
        </p>
      ))}
      {r.tools.length > 0 && (
        <ul className="tools" data-testid="revision-tools">
          {r.tools.map((t, i) => (
            <li key={i} className={t.ok ? 'ok' : 'failed'}>
              <code>{t.tool}</code> {t.path && <code>{t.path}</code>} <span className="muted">{t.summary}</span>
            </li>
          ))}
        </ul>
      )}
      {r.text && (
        <pre className="agent-text" data-testid="revision-text">
          {r.text}
        </pre>
      )}
      {!done && <p className="muted step">{r.step}</p>}
      {done && r.message && <p className={r.branch ? 'outcome' : 'error'}>{r.message}</p>}
      {r.branch !== null && (
        <p className="outcome" data-testid="revision-branch">
          Branch {String(r.branch).padStart(5, '0')}
        </p>
      )}
      {r.status === 'needs-answer' && (
        <form
          className="answer"
          onSubmit={(e) => {
            e.preventDefault();
            void answer(r, reply).then(() => setReply(''));
          }}
        >
          <input className="input" aria-label="Answer" value={reply} onChange={(e) => setReply(e.target.value)} placeholder="Your answer" />
          <button type="submit" className="button primary" disabled={!reply.trim()}>
            Answer
          </button>
        </form>
      )}
    </li>
  );
}
