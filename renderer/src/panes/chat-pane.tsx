// Chat, the heart of the window: one thread per codebase (tabs above it), each revision with the
// agent's markdown, its tool calls as step cards and how it ended, and the composer fixed below.
// The thread is virtualised (a codebase may hold hundreds of revisions): only the revisions in
// view, and a few either side, are rendered, so their markdown is too. New text keeps the newest
// in view unless the user scrolled up to read.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { RUNNING, useChat } from '../stores/chat-store.ts';
import { useGateways } from '../stores/gateways-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';
import { Composer } from './chat/composer.tsx';
import { FirstRun } from './chat/first-run.tsx';
import { RevisionView } from './chat/revision-view.tsx';

/** A revision's height before it is measured: a prompt, a few step cards and a closing card. */
const ESTIMATE = 220;

export function ChatPane() {
  const codebases = useWorkspace((s) => s.codebases);
  const codebase = useChat((s) => s.codebase);
  const setCodebase = useChat((s) => s.setCodebase);
  const restore = useChat((s) => s.restore);
  const loadGateways = useGateways((s) => s.load);
  const chosen = codebase && codebases.some((c) => c.name === codebase) ? codebase : (codebases[0]?.name ?? null);
  const revisions = useChat((s) => s.revisions);
  const thread = useMemo(() => revisions.filter((r) => r.codebase === chosen), [revisions, chosen]);
  const names = codebases.map((c) => c.name).join('\n');
  useEffect(() => {
    if (names) void restore(names.split('\n'));
    void loadGateways();
  }, [names, restore, loadGateways]);
  useEffect(() => {
    if (chosen && chosen !== codebase) setCodebase(chosen);
  }, [chosen, codebase, setCodebase]);
  const scroller = useRef<HTMLDivElement>(null);
  // Whether the view follows the newest (the user has not scrolled up), and whether it should
  // follow the measured heights too (a thread just shown, or a revision under way), not only new steps.
  const pinned = useRef(true);
  const settling = useRef(true);
  const virtualizer = useVirtualizer({
    count: thread.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ESTIMATE,
    getItemKey: (i) => `${thread[i]!.codebase}:${thread[i]!.revision}`,
    overscan: 4,
    gap: 12,
    paddingStart: 16,
    paddingEnd: 16,
  });
  const last = thread.at(-1);
  const running = last !== undefined && RUNNING.has(last.status);
  const total = virtualizer.getTotalSize();
  // 0 while another tab hides the chat: shown again, it opens at the newest (when it followed it).
  const height = virtualizer.scrollRect?.height ?? 0;
  useLayoutEffect(() => {
    pinned.current = true;
    settling.current = true;
  }, [chosen]);
  useLayoutEffect(() => {
    if (thread.length) settling.current = true;
  }, [thread.length]);
  // New steps, a new revision, another thread: the newest in view, unless the user scrolled up.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [chosen, thread.length, last?.live, last?.steps, last?.status, height]);
  // Heights measured as revisions render: followed while the thread settles or a revision runs
  // (a card the user opens in a finished thread stays where it is).
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && pinned.current && (settling.current || running)) el.scrollTop = el.scrollHeight;
  }, [total, running]);
  // The user reading (a wheel, a key, a click) stops the view following the heights as they are measured.
  const settled = () => {
    settling.current = false;
  };
  const items = virtualizer.getVirtualItems();
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
      <div
        ref={scroller}
        className="revisions"
        role="region"
        tabIndex={0}
        aria-label={chosen ? `Conversation about ${chosen}` : 'Conversation'}
        data-testid="chat-thread"
        onWheel={settled}
        onPointerDown={settled}
        onKeyDown={(e) => {
          settled();
          // Home and End go to the first and the newest revision, measured or not (the browser's
          // own would stop at the height estimated so far); arrows and pages scroll as usual.
          if (e.target !== e.currentTarget || (e.key !== 'Home' && e.key !== 'End')) return;
          e.preventDefault();
          if (e.key === 'Home') virtualizer.scrollToOffset(0);
          else {
            pinned.current = true;
            settling.current = true;
            e.currentTarget.scrollTop = e.currentTarget.scrollHeight;
          }
        }}
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {thread.length === 0 ? (
          <FirstRun />
        ) : (
          <ol className="revision-list" style={{ height: total }}>
            {items.map((item) => (
              <li
                key={item.key}
                ref={virtualizer.measureElement}
                data-index={item.index}
                className="revision-slot"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <RevisionView revision={thread[item.index]!} />
              </li>
            ))}
          </ol>
        )}
      </div>
      {codebases.length === 0 && (
        <p className="hint composer-hint">
          Prompts go to a codebase: add one first, at the foot of the Branches panel.
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
