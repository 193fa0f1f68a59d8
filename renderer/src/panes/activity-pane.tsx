import { useEffect } from 'react';
import { useActivity } from '../stores/activity-store.ts';

export function ActivityPane() {
  const { events, connection, connect } = useActivity();
  useEffect(() => connect(), [connect]);
  return (
    <section className="pane activity" aria-labelledby="activity-title">
      <h2 id="activity-title">
        Activity <span className={`connection ${connection}`}>{connection}</span>
      </h2>
      <ol className="list" data-testid="activity">
        {events.map((e, i) => (
          <li key={i}>
            <span className="muted">{new Date(e.at).toLocaleTimeString()}</span> {e.type === 'progress' ? e.payload.message : e.type}
          </li>
        ))}
      </ol>
    </section>
  );
}
