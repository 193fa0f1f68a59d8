// One revision in the thread: the prompt (and answers) as the user's bubbles, the agent's steps,
// then how it ended: a closing card with what to do next (View diff, Try the new route, Promote
// to the next gateway), a reply card for its questions, or the reason it stopped.
import {
  CircleStop,
  GitBranch,
  LoaderCircle,
  MessageCircleQuestion,
  Rocket,
  SquareTerminal,
  GitCompare,
} from 'lucide-react';
import { Fragment, memo, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { Revision, Step } from '../../stores/chat-store.ts';
import { RUNNING, useChat } from '../../stores/chat-store.ts';
import { useBranches } from '../../stores/branches-store.ts';
import { useGateways } from '../../stores/gateways-store.ts';
import { useLayout } from '../../stores/layout-store.ts';
import { pipelineOrder } from '../gateways-pane.tsx';
import { formatBranch } from '../../branch-number.ts';
import { askerTitle } from './asker.ts';
import { Markdown } from './markdown.tsx';
import { Steps } from './steps.tsx';

export const pad = (n: number, width: number) => String(n).padStart(width, '0');
export const usd = (micro: number) => `$${(micro / 1_000_000).toFixed(micro < 10_000_000 ? 4 : 2)}`;

/** How a revision that made no branch stopped, in words for its card. */
const STOPS: Record<string, string> = {
  'over-budget': 'Stopped at the budget',
  'turn-limit': 'Stopped at the turn limit',
  'time-limit': 'Stopped at the time limit',
  stuck: 'Stopped: the agent was going round in circles',
  interrupted: 'Interrupted: the engine stopped while it ran',
  failed: 'Failed',
  lost: 'Lost the connection',
};

/**
 * The prompt and each answer, each followed by the steps that came after it: an answer goes
 * under the question it answers (the agent's `ask_user`), not under the revision's first prompt.
 * Answers to questions the steps do not show (not read yet) come after the steps there are.
 */
export function byAnswer(prompts: string[], steps: Step[]): { prompt: string | null; steps: Step[] }[] {
  const parts: { prompt: string | null; steps: Step[] }[] = [{ prompt: prompts[0] ?? null, steps: [] }];
  let next = 1;
  for (const step of steps) {
    parts.at(-1)!.steps.push(step);
    if (step.kind === 'tool' && step.tool === 'ask_user' && next < prompts.length)
      parts.push({ prompt: prompts[next++]!, steps: [] });
  }
  for (; next < prompts.length; next++) parts.push({ prompt: prompts[next]!, steps: [] });
  return parts;
}

export const RevisionView = memo(function RevisionView({ revision: r }: { revision: Revision }) {
  const running = RUNNING.has(r.status);
  const steps = [...r.steps, ...r.live];
  const labelled = steps.some((s) => s.role === 'product-owner');
  return (
    <article
      className={`revision status-${r.status}`}
      data-testid={`revision-${r.revision}`}
      aria-label={`Revision ${pad(r.revision, 4)}`}
    >
      <header className="revision-header">
        <span className="muted">
          revision {pad(r.revision, 4)}
          {r.parent !== null && <> · from {formatBranch(r.parent)}</>}
        </span>
        <span className="badge" data-testid="revision-status">
          {running && <LoaderCircle size={12} className="spin" aria-hidden />}
          {/* The engine records a revision under way as `open`; the user reads that it runs. */}
          {running ? 'running' : r.status}
        </span>
        {r.maxTurns > 0 && running && (
          <span className="muted">
            turn {r.turn}/{r.maxTurns}
          </span>
        )}
        <span className="muted spend" data-testid="revision-spend">
          {usd(r.spentMicroUsd)}
          {r.budgetMicroUsd > 0 && ` of ${usd(r.budgetMicroUsd)}`}
        </span>
      </header>
      {!r.loaded && !running ? (
        <>
          {r.prompts.map((p, i) => (
            <p key={i} className="prompt">
              {p}
            </p>
          ))}
          <LoadSteps revision={r} />
        </>
      ) : (
        byAnswer(r.prompts, steps).map((part, i) => (
          <Fragment key={i}>
            {part.prompt !== null && <p className="prompt">{part.prompt}</p>}
            <Steps steps={part.steps} labelled={labelled} />
          </Fragment>
        ))
      )}
      {running && r.step && (
        <p className="muted step" aria-live="polite">
          {r.step}
        </p>
      )}
      {!running && <Ending revision={r} />}
    </article>
  );
});

function LoadSteps({ revision: r }: { revision: Revision }) {
  const loadSteps = useChat((s) => s.loadSteps);
  return (
    <button type="button" className="link-button" onClick={() => void loadSteps(r.codebase, r.revision)}>
      Show what the agent did
    </button>
  );
}

function Ending({ revision: r }: { revision: Revision }) {
  if (r.status === 'needs-answer') return <ReplyCard revision={r} />;
  if (r.branch !== null) return <ClosingCard revision={r} />;
  if (r.status === 'discarded') return null;
  return (
    <div className="stop-card" role="note" data-testid="revision-stop">
      <CircleStop size={16} aria-hidden />
      <div>
        <strong>{STOPS[r.status] ?? r.status}</strong>
        {r.message && <p className="stop-reason">{r.message}</p>}
        {r.status === 'interrupted' && <ResumeButton revision={r} />}
      </div>
    </div>
  );
}

function ResumeButton({ revision }: { revision: Revision }) {
  const resume = useChat((s) => s.resume);
  return (
    <button type="button" className="button small resume" onClick={() => void resume(revision)}>
      Resume from its last turn
    </button>
  );
}

function ClosingCard({ revision: r }: { revision: Revision }) {
  const select = useBranches((s) => s.select);
  const show = useLayout((s) => s.show);
  const listing = useGateways((s) => s.listing);
  const promote = useGateways((s) => s.promote);
  const gatewayStatus = useGateways((s) => s.status);
  const order = pipelineOrder(listing?.gateways ?? []);
  // The branch is served by the first gateway (it follows the newest); the next one is where it goes.
  const next = order[0]?.promotesTo ? order.find((g) => g.name === order[0]!.promotesTo) : undefined;
  const branch = r.branch!;
  const open = async (view: 'diff' | 'api') => {
    await select({ codebase: r.codebase, branch });
    show(view);
  };
  const served = next?.routes.find((route) => route.codebase === r.codebase)?.branch === branch;
  const status = next ? gatewayStatus[next.name] : undefined;
  return (
    <div className="closing-card" data-testid="revision-closing">
      <p className="closing-title" data-testid="revision-branch">
        <GitBranch size={16} aria-hidden />
        {`Branch ${formatBranch(branch)} is built and running`}
      </p>
      {r.message && <Markdown text={r.message} testId="revision-summary" />}
      <div className="closing-actions">
        <button type="button" className="button small" onClick={() => void open('diff')}>
          <GitCompare size={14} aria-hidden /> View diff
        </button>
        <button type="button" className="button small" onClick={() => void open('api')}>
          <SquareTerminal size={14} aria-hidden /> Try the new route
        </button>
        {next && (
          <button
            type="button"
            className="button small primary"
            disabled={served || status?.busy}
            onClick={() => void promote(next.name, r.codebase, branch)}
          >
            <Rocket size={14} aria-hidden /> {served ? `Served by ${next.name}` : `Promote to ${next.name}`}
          </button>
        )}
      </div>
      {status?.message && <p className={status.failed ? 'error' : 'muted'}>{status.message}</p>}
    </div>
  );
}

function ReplyCard({ revision: r }: { revision: Revision }) {
  const answer = useChat((s) => s.answer);
  const [reply, setReply] = useState('');
  const submit = () => {
    if (reply.trim()) void answer(r, reply).then(() => setReply(''));
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  };
  return (
    <form
      className="reply-card"
      data-testid="revision-question"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <p className="reply-title">
        <MessageCircleQuestion size={16} aria-hidden /> {askerTitle(r)}
      </p>
      <Markdown text={r.message} />
      <div className="reply-row">
        <textarea
          className="input"
          aria-label="Answer"
          rows={2}
          value={reply}
          onChange={(e) => setReply(e.target.value)}
          onKeyDown={onKey}
          placeholder="Your answer"
        />
        <button type="submit" className="button primary" disabled={!reply.trim()}>
          Answer
        </button>
      </div>
    </form>
  );
}
