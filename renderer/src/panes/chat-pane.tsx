// Chat: prompts to the agent for the chosen codebase, each a dev revision streamed as it goes
// (text, tool calls, turns, money spent against the budget), ending in a branch, a question
// answered in place, or the engine's reason. Ctrl+Enter sends.
import { useEffect, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { Revision } from '../stores/chat-store.ts';
import { RUNNING, useChat } from '../stores/chat-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';

const usd = (micro: number) => `$${(micro / 1_000_000).toFixed(4)}`;

export function ChatPane() {
  const codebases = useWorkspace((s) => s.codebases);
  const { codebase, revisions, sending, error, setCodebase, send, restore } = useChat();
  const [draft, setDraft] = useState('');
  const names = codebases.map((c) => c.name).join('\n');
  useEffect(() => {
    if (names) void restore(names.split('\n'));
  }, [names, restore]);
  const chosen = codebase ?? codebases[0]?.name ?? null;
  const submit = async () => {
    if (!chosen || !draft.trim()) return;
    if (!codebase) setCodebase(chosen);
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
    <section className="pane chat" aria-labelledby="chat-title" data-testid="chat">
      <h2 id="chat-title">Chat</h2>
      <ol className="revisions">
        {revisions.map((r) => (
          <RevisionView key={`${r.codebase}:${r.revision}`} revision={r} />
        ))}
      </ol>
      {error && (
        <p className="error" role="alert" data-testid="chat-error">
          {error}
        </p>
      )}
      {codebases.length === 0 && <p className="hint">Prompts go to a codebase: add one first (<code>branchyard codebase add &lt;name&gt;</code>).</p>}
      <div className="composer">
        <select aria-label="Codebase" value={chosen ?? ''} onChange={(e) => setCodebase(e.target.value)}>
          {codebases.map((c) => (
            <option key={c.name}>{c.name}</option>
          ))}
        </select>
        <textarea aria-label="Prompt" placeholder="What should the API do? (Ctrl+Enter sends)" value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={onKey} rows={3} />
        <button type="button" onClick={() => void submit()} disabled={sending || !chosen || !draft.trim()}>
          {sending ? 'Sending…' : 'Send'}
        </button>
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
          <input aria-label="Answer" value={reply} onChange={(e) => setReply(e.target.value)} placeholder="Your answer" />
          <button type="submit" disabled={!reply.trim()}>
            Answer
          </button>
        </form>
      )}
    </li>
  );
}
