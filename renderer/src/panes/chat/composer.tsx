// The composer, fixed at the bottom of the thread: the prompt, the branch it starts from
// ("prompt from 00003"; the newest by default), the live cost of the running revision against its
// budget and of the thread so far, and Send. One revision per submit, whatever the keys: a second
// Ctrl+Enter while the first prompt is on its way does nothing.
import { ArrowUp, LoaderCircle, Square } from 'lucide-react';
import { useEffect, useMemo } from 'react';
import type { KeyboardEvent } from 'react';
import { useBranches } from '../../stores/branches-store.ts';
import { RUNNING, useChat } from '../../stores/chat-store.ts';
import { formatBranch } from '../../branch-number.ts';
import { usd } from './revision-view.tsx';

export function Composer({ codebase, onSent }: { codebase: string | null; onSent: () => void }) {
  const draft = useChat((s) => s.draft);
  const setDraft = useChat((s) => s.setDraft);
  const sending = useChat((s) => s.sending);
  const error = useChat((s) => s.error);
  const send = useChat((s) => s.send);
  const stop = useChat((s) => s.stop);
  const from = useChat((s) => (codebase ? s.from[codebase] : undefined));
  const setFrom = useChat((s) => s.setFrom);
  const listing = useBranches((s) => (codebase ? s.listings[codebase] : undefined));
  const load = useBranches((s) => s.load);
  const revisions = useChat((s) => s.revisions);
  const thread = useMemo(() => revisions.filter((r) => r.codebase === codebase), [revisions, codebase]);
  useEffect(() => {
    if (codebase) void load(codebase);
    // A revision that made a branch adds an entry to the picker.
  }, [codebase, load, thread.length, thread.at(-1)?.branch]);
  const branches = (listing?.branches ?? []).map((b) => b.number).sort((a, b) => b - a);
  const running = thread.findLast((r) => RUNNING.has(r.status));
  const total = thread.reduce((sum, r) => sum + r.spentMicroUsd, 0);
  const submit = async () => {
    if (!codebase || !draft.trim() || useChat.getState().sending) return;
    onSent();
    await send(draft);
    if (!useChat.getState().error) useChat.getState().setDraft('');
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  };
  return (
    <div className="composer-dock">
      {error && (
        <p className="error" role="alert" data-testid="chat-error">
          {error}
        </p>
      )}
      <div className="composer">
        <textarea
          aria-label="Prompt"
          placeholder={codebase ? `Describe a change to ${codebase}…` : 'Add a codebase first'}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKey}
          rows={3}
          disabled={!codebase}
        />
        <div className="composer-row">
          <label className="from-picker">
            <span className="muted">prompt from</span>
            <select
              className="select"
              aria-label="Prompt from branch"
              data-testid="prompt-from"
              value={from ?? ''}
              onChange={(e) => codebase && setFrom(codebase, e.target.value ? Number(e.target.value) : undefined)}
            >
              <option value="">the newest branch{branches[0] ? ` (${formatBranch(branches[0])})` : ''}</option>
              {branches.map((n) => (
                <option key={n} value={n}>
                  {formatBranch(n)}
                </option>
              ))}
            </select>
          </label>
          <span
            className="cost-meter"
            data-testid="cost-meter"
            title="What this codebase's revisions cost so far; the running one against its budget"
          >
            {running && running.budgetMicroUsd > 0 && (
              <>
                <meter
                  min={0}
                  max={running.budgetMicroUsd}
                  value={running.spentMicroUsd}
                  aria-label="The running revision's spend against its budget"
                />
                <span>
                  {usd(running.spentMicroUsd)} of {usd(running.budgetMicroUsd)}
                </span>
                <span aria-hidden>·</span>
              </>
            )}
            <span className="muted">thread {usd(total)}</span>
          </span>
          <span className="muted kbd-hint">
            <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
          </span>
          {running && (
            <button type="button" className="button" onClick={() => void stop(running)} data-testid="chat-stop">
              <Square size={14} aria-hidden /> Stop
            </button>
          )}
          <button
            type="button"
            className="button primary"
            onClick={() => void submit()}
            disabled={sending || !codebase || !draft.trim()}
          >
            {sending ? <LoaderCircle size={14} className="spin" aria-hidden /> : <ArrowUp size={14} aria-hidden />}{' '}
            {sending ? 'Sending…' : 'Send'}
          </button>
        </div>
      </div>
    </div>
  );
}
