import { useEffect } from 'react';
import { useChat } from '../stores/chat-store.ts';
import { useDoctor } from '../stores/doctor-store.ts';

const MARK = { ok: '✓', missing: '✗', skipped: '–' } as const;

export function DoctorPane() {
  const { report, error, running, run } = useDoctor();
  // The engine cannot see a key kept in this tab: the prompts it sends carry one all the same.
  const keyInTab = useChat((s) => s.apiKey !== null);
  useEffect(() => void run(), [run]);
  const checks = report?.checks.map((c) =>
    c.id === 'llm' && c.status === 'missing' && keyInTab
      ? {
          ...c,
          status: 'ok' as const,
          detail: `${c.detail}; a key is kept in this tab’s memory and sent with prompts`,
          turnsOff: undefined,
        }
      : c,
  );
  return (
    <section className="doctor" aria-labelledby="doctor-title">
      <h3 id="doctor-title" className="section-title">
        Status{' '}
        <button
          type="button"
          className="button small"
          onClick={() => void run()}
          disabled={running}
          title="Check again (Alt+R)"
          accessKey="r"
        >
          {running ? 'checking…' : 'check again'}
        </button>
      </h3>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ul className="list" data-testid="doctor">
        {checks?.map((c) => (
          <li key={c.id} className={`check ${c.status}`}>
            <span aria-label={c.status}>{MARK[c.status]}</span> <strong>{c.id}</strong>{' '}
            <span className="muted">{c.detail}</span>
            {c.turnsOff && <div className="turns-off">turns off: {c.turnsOff}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}
