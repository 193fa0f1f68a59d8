// Activity: what the engine did, newest first, one line per operation (a revision, a branch's
// build and start, a promotion, a schema check) with its steps folded under it; filtered by kind
// or text. The agent's streamed text and spend are left to the chat, where they belong.
import { AlertTriangle, Check, ChevronRight, LoaderCircle } from 'lucide-react';
import { useMemo, useState } from 'react';
import type { EngineEvent } from '../../../core/events/index.ts';
import { actionFor } from '../api.ts';
import { useActivity } from '../stores/activity-store.ts';
import { formatMaybeBranch } from '../branch-number.ts';

const pad4 = (n: number) => String(n).padStart(4, '0');

type Kind = 'revision' | 'branch' | 'promotion' | 'schema' | 'engine';
const KINDS: { id: Kind | 'all'; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'revision', label: 'Revisions' },
  { id: 'branch', label: 'Branches' },
  { id: 'promotion', label: 'Promotions' },
  { id: 'schema', label: 'Schema' },
  { id: 'engine', label: 'Engine' },
];

/** One line for an event, or null for those shown elsewhere. */
function describe(e: EngineEvent): string | null {
  switch (e.type) {
    case 'progress':
      // What the user can do about it (a revision to resume), in the window's words.
      return e.payload.hint ? `${e.payload.message}${actionFor(e.payload.hint)}` : e.payload.message;
    case 'branch.created':
      return `branch ${formatMaybeBranch(e.payload.number)} of ${e.payload.codebase} made by the ${e.payload.author}`;
    case 'branch.running':
      return `branch ${formatMaybeBranch(e.payload.number)} of ${e.payload.codebase} is running`;
    case 'gateway.promoted':
      return `${e.payload.gateway} routes ${e.payload.codebase} to ${formatMaybeBranch(e.payload.to)} (was ${formatMaybeBranch(e.payload.from)}), by ${e.payload.by}`;
    case 'gateway.reloaded':
      return `routes of ${e.payload.gateways.join(', ')} read again`;
    case 'revision.updated':
      return `revision ${pad4(e.payload.number)} of ${e.payload.codebase}: ${e.payload.status}`;
    case 'revision.ended':
      return `revision ${pad4(e.payload.revision)} of ${e.payload.codebase} ended ${e.payload.status}${e.payload.branch ? ` with branch ${formatMaybeBranch(e.payload.branch)}` : ''}`;
    case 'schema.checked':
      return `schema of ${e.payload.codebase} ${formatMaybeBranch(e.payload.branch)} on ${e.payload.database}: ${e.payload.status}${e.payload.problems ? ` (${e.payload.problems} problems)` : ''}`;
    case 'schema.applied':
      return `${e.payload.database}: migration ${e.payload.migration} applied`;
    case 'schema.behind':
      return `${e.payload.database} moved on: schema copies of ${e.payload.codebase} ${e.payload.branches.map(formatMaybeBranch).join(', ')} are behind`;
    case 'agent.tool':
      return `${e.payload.tool}${e.payload.path ? ` ${e.payload.path}` : ''}${e.payload.ok ? '' : ` refused: ${e.payload.summary}`}`;
    case 'agent.checks':
      return `checks ${e.payload.passed ? 'passed' : 'failed'}: ${e.payload.summary}`;
    case 'agent.text':
    case 'agent.spend':
    case 'agent.turn':
      return null;
    default:
      return e.type.replace('.', ' ');
  }
}

/** The operation an event belongs to, and its kind. */
function operationOf(e: EngineEvent, index: number): { key: string; kind: Kind; title?: string } {
  const p = ('payload' in e ? e.payload : {}) as {
    codebase?: string;
    number?: number;
    revision?: number;
    branch?: number;
    task?: string;
  };
  switch (e.type) {
    case 'revision.updated':
    case 'revision.ended':
    case 'agent.tool':
    case 'agent.checks':
    case 'agent.retry': {
      const n = p.revision ?? p.number ?? 0;
      return { key: `revision:${p.codebase}:${n}`, kind: 'revision', title: `Revision ${pad4(n)} of ${p.codebase}` };
    }
    case 'branch.created':
    case 'branch.running':
      return {
        key: `branch:${p.codebase}:${p.number}`,
        kind: 'branch',
        title: `Branch ${formatMaybeBranch(p.number ?? null)} of ${p.codebase}`,
      };
    case 'gateway.promoted':
      return { key: `promotion:${index}`, kind: 'promotion' };
    case 'schema.checked':
    case 'schema.applied':
    case 'schema.behind':
      return { key: `schema:${p.codebase ?? ''}:${p.branch ?? index}`, kind: 'schema' };
    case 'progress': {
      const task = p.task ?? '';
      const revision = /^revision:([^:]+):(\d+)$/.exec(task);
      if (revision)
        return {
          key: `revision:${revision[1]}:${revision[2]}`,
          kind: 'revision',
          title: `Revision ${pad4(Number(revision[2]))} of ${revision[1]}`,
        };
      const branch = /^(?:build|autostart|start|checks):([^:]+):(\d+)$/.exec(task);
      if (branch)
        return {
          key: `branch:${branch[1]}:${branch[2]}`,
          kind: 'branch',
          title: `Branch ${formatMaybeBranch(Number(branch[2]))} of ${branch[1]}`,
        };
      return { key: `task:${task}`, kind: 'engine' };
    }
    default:
      return { key: `event:${index}`, kind: 'engine' };
  }
}

interface Operation {
  key: string;
  kind: Kind;
  title: string;
  last: string;
  at: string;
  failed: boolean;
  running: boolean;
  steps: { at: string; text: string }[];
}

export function operations(events: EngineEvent[]): Operation[] {
  const byKey = new Map<string, Operation>();
  events.forEach((e, i) => {
    const text = describe(e);
    if (text === null) return;
    const { key, kind, title } = operationOf(e, i);
    const op = byKey.get(key) ?? {
      key,
      kind,
      title: title ?? text,
      last: text,
      at: e.at,
      failed: false,
      running: false,
      steps: [],
    };
    op.steps.push({ at: e.at, text });
    op.last = text;
    op.at = e.at;
    const step = e.type === 'progress' ? e.payload : null;
    op.failed =
      step?.step === 'failed' ||
      (e.type === 'revision.ended' && !['done', 'needs-answer'].includes(e.payload.status)) ||
      (e.type === 'schema.checked' && e.payload.status === 'failed');
    op.running = step
      ? step.done === undefined || step.total === undefined || step.done < step.total
      : e.type === 'revision.updated' && e.payload.status === 'running';
    byKey.delete(key);
    byKey.set(key, op); // the latest to move last
  });
  return [...byKey.values()].reverse();
}

export function ActivityPane() {
  const events = useActivity((s) => s.events);
  const [kind, setKind] = useState<Kind | 'all'>('all');
  const [query, setQuery] = useState('');
  const all = useMemo(() => operations(events), [events]);
  const q = query.trim().toLowerCase();
  const shown = all.filter(
    (op) =>
      (kind === 'all' || op.kind === kind) &&
      (!q || op.title.toLowerCase().includes(q) || op.steps.some((s) => s.text.toLowerCase().includes(q))),
  );
  return (
    <section className="view activity" aria-label="Activity">
      <div className="activity-toolbar">
        <div className="chips" role="group" aria-label="Show">
          {KINDS.map((k) => (
            <button
              key={k.id}
              type="button"
              className="chip"
              aria-pressed={kind === k.id}
              onClick={() => setKind(k.id)}
              data-testid={`activity-kind-${k.id}`}
            >
              {k.label}
            </button>
          ))}
        </div>
        <input
          className="input"
          type="search"
          aria-label="Filter the activity"
          placeholder="Filter"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </div>
      <ol
        className="list operations"
        data-testid="activity"
        tabIndex={0}
        aria-label="What the engine did, newest first"
      >
        {shown.length === 0 && (
          <li className="muted empty-line">
            {all.length
              ? 'Nothing matches.'
              : 'Nothing yet: builds, promotions and revisions show here as they happen.'}
          </li>
        )}
        {shown.map((op) => (
          <li key={op.key} className={`operation kind-${op.kind}`} data-testid="operation" data-kind={op.kind}>
            <details>
              <summary>
                <ChevronRight size={14} aria-hidden className="chevron" />
                {op.failed ? (
                  <AlertTriangle size={14} aria-label="failed" className="bad" />
                ) : op.running ? (
                  <LoaderCircle size={14} aria-label="running" className="spin" />
                ) : (
                  <Check size={14} aria-label="done" className="good" />
                )}
                <time className="muted" dateTime={op.at}>
                  {new Date(op.at).toLocaleTimeString()}
                </time>
                <span className="operation-title">{op.title}</span>
                {op.title !== op.last && <span className="muted operation-last">{op.last}</span>}
                {op.steps.length > 1 && <span className="count muted-count">{op.steps.length}</span>}
              </summary>
              <ol className="list operation-steps">
                {op.steps.map((s, i) => (
                  <li key={i}>
                    <time className="muted" dateTime={s.at}>
                      {new Date(s.at).toLocaleTimeString()}
                    </time>{' '}
                    {s.text}
                  </li>
                ))}
              </ol>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
