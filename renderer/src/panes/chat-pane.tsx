// Chat, the heart of the window: one thread per codebase (tabs above it), each revision with the
// agent's markdown, its tool calls as step cards and how it ended, and the composer fixed below.
// The thread scrolls; new text keeps the newest in view unless the user scrolled up to read.
import { useEffect, useLayoutEffect, useRef } from 'react';
import { useChat } from '../stores/chat-store.ts';
import { useGateways } from '../stores/gateways-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';
import { Composer } from './chat/composer.tsx';
import { FirstRun } from './chat/first-run.tsx';
import { RevisionView } from './chat/revision-view.tsx';

export function ChatPane() {
  const codebases = useWorkspace((s) => s.codebases);
  const codebase = useChat((s) => s.codebase);
  const setCodebase = useChat((s) => s.setCodebase);
  const restore = useChat((s) => s.restore);
  const loadGateways = useGateways((s) => s.load);
  const chosen = codebase && codebases.some((c) => c.name === codebase) ? codebase : (codebases[0]?.name ?? null);
  const revisions = useChat((s) => s.revisions);
  const thread = revisions.filter((r) => r.codebase === chosen);
  const names = codebases.map((c) => c.name).join('\n');
  useEffect(() => {
    if (names) void restore(names.split('\n'));
    void loadGateways();
  }, [names, restore, loadGateways]);
  useEffect(() => {
    if (chosen && chosen !== codebase) setCodebase(chosen);
  }, [chosen, codebase, setCodebase]);
  const log = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);
  const last = thread.at(-1);
  useLayoutEffect(() => {
    if (pinned.current && log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [chosen, thread.length, last?.live, last?.steps, last?.status]);
  return (
    <section className="view chat" aria-labelledby="chat-title" data-testid="chat">
      <h2 id="chat-title" className="visually-hidden">
        Chat
      </h2>
      {codebases.length > 1 && (
        <div className="thread-tabs" role="tablist" aria-label="Threads by codebase">
          {codebases.map((c) => (
            <button
              key={c.name}
              type="button"
              role="tab"
              aria-selected={c.name === chosen}
              className="thread-tab"
              data-testid={`thread-${c.name}`}
              onClick={() => setCodebase(c.name)}
            >
              {c.name}
            </button>
          ))}
        </div>
      )}
      <ol
        ref={log}
        className="revisions"
        tabIndex={0}
        aria-label={chosen ? `Conversation about ${chosen}` : 'Conversation'}
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {thread.length === 0 && <FirstRun />}
        {thread.map((r) => (
          <RevisionView key={`${r.codebase}:${r.revision}`} revision={r} />
        ))}
      </ol>
      {codebases.length === 0 && (
        <p className="hint composer-hint">
          Prompts go to a codebase: add one first (<code>branchyard codebase add &lt;name&gt;</code>).
        </p>
      )}
      <Composer
        codebase={chosen}
        onSent={() => {
          pinned.current = true;
        }}
      />
    </section>
  );
}
