import { useEffect } from 'react';
import { useDoctor } from '../stores/doctor-store.ts';

const MARK = { ok: '✓', missing: '✗', skipped: '–' } as const;

export function DoctorPane() {
  const { report, error, running, run } = useDoctor();
  useEffect(() => void run(), [run]);
  const checks = report?.checks;
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
