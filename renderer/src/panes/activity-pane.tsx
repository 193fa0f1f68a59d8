// Activity: what the engine did lately, in words, newest last. The agent's streamed text and
// spend are left to the chat, where they belong.
import type { EngineEvent } from '../../../core/events/index.ts';
import { useActivity } from '../stores/activity-store.ts';

const pad5 = (n: number | null) => (n === null ? '–' : String(n).padStart(5, '0'));
const pad4 = (n: number) => String(n).padStart(4, '0');

/** One line for an event, or null for those shown elsewhere. */
function describe(e: EngineEvent): string | null {
  switch (e.type) {
    case 'progress':
      return e.payload.message;
    case 'branch.created':
      return `branch ${pad5(e.payload.number)} of ${e.payload.codebase} made by the ${e.payload.author}`;
    case 'branch.running':
      return `branch ${pad5(e.payload.number)} of ${e.payload.codebase} is running`;
    case 'gateway.promoted':
      return `${e.payload.gateway} routes ${e.payload.codebase} to ${pad5(e.payload.to)} (was ${pad5(e.payload.from)}), by ${e.payload.by}`;
    case 'gateway.reloaded':
      return `routes of ${e.payload.gateways.join(', ')} read again`;
    case 'revision.updated':
      return `revision ${pad4(e.payload.number)} of ${e.payload.codebase}: ${e.payload.status}`;
    case 'revision.ended':
      return `revision ${pad4(e.payload.revision)} of ${e.payload.codebase} ended ${e.payload.status}${e.payload.branch ? ` with branch ${pad5(e.payload.branch)}` : ''}`;
    case 'schema.checked':
      return `schema of ${e.payload.codebase} ${pad5(e.payload.branch)} on ${e.payload.database}: ${e.payload.status}${e.payload.problems ? ` (${e.payload.problems} problems)` : ''}`;
    case 'schema.applied':
      return `${e.payload.database}: migration ${e.payload.migration} applied`;
    case 'schema.behind':
      return `${e.payload.database} moved on: schema copies of ${e.payload.codebase} ${e.payload.branches.map(pad5).join(', ')} are behind`;
    case 'agent.tool':
      return `revision ${pad4(e.payload.revision)}: ${e.payload.tool}${e.payload.path ? ` ${e.payload.path}` : ''}`;
    case 'agent.text':
    case 'agent.spend':
    case 'agent.turn':
      return null;
    default:
      return e.type;
  }
}

export function ActivityPane() {
  const events = useActivity((s) => s.events);
  const lines = events.flatMap((e, i) => {
    const text = describe(e);
    return text === null ? [] : [{ key: i, at: e.at, text, kind: e.type }];
  });
  return (
    <section className="view activity" aria-label="Activity">
      <ol className="list lines scroll" data-testid="activity" tabIndex={0} aria-label="What the engine did, newest last">
        {lines.length === 0 && <li className="muted">Nothing yet: builds, promotions and revisions show here as they happen.</li>}
        {lines.map((l) => (
          <li key={l.key} data-kind={l.kind}>
            <time className="muted" dateTime={l.at}>
              {new Date(l.at).toLocaleTimeString()}
            </time>{' '}
            {l.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
