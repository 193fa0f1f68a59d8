import { useEffect } from 'react';
import { useDoctor } from '../stores/doctor-store.ts';

const MARK = { ok: '✓', missing: '✗', skipped: '–' } as const;

export function DoctorPane() {
  const { report, error, running, run } = useDoctor();
  useEffect(() => void run(), [run]);
  return (
    <section className="pane" aria-labelledby="doctor-title">
      <h2 id="doctor-title">
        Status{' '}
        <button type="button" onClick={() => void run()} disabled={running} title="Check again (Alt+R)" accessKey="r">
          {running ? 'checking…' : 'check again'}
        </button>
      </h2>
      {error && <p className="error" role="alert">{error}</p>}
      <ul className="list" data-testid="doctor">
        {report?.checks.map((c) => (
          <li key={c.id} className={`check ${c.status}`}>
            <span aria-label={c.status}>{MARK[c.status]}</span> <strong>{c.id}</strong> <span className="muted">{c.detail}</span>
            {c.turnsOff && <div className="turns-off">turns off: {c.turnsOff}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}
