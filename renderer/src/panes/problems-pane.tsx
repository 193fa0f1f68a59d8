// Problems of the selected branch: its checks that failed (build, type-check, tests, schema) with
// the engine's detail, branch records that could not be read, and why its processes are unknown.
import { CircleAlert, CircleCheck, TriangleAlert } from 'lucide-react';
import { useBranches } from '../stores/branches-store.ts';
import { formatBranch } from '../branch-number.ts';

export interface Problem {
  severity: 'error' | 'warning';
  source: string;
  text: string;
}

/** The selected branch's problems, as the bottom panel's Problems tab lists (and counts) them. */
export function useProblems(): Problem[] | null {
  const selected = useBranches((s) => s.selected);
  const detail = useBranches((s) => s.detail);
  const listing = useBranches((s) => (selected ? s.listings[selected.codebase] : undefined));
  if (!selected || !detail) return null;
  const checks = Object.entries(detail.shown.info.checks)
    .filter(([, c]) => c.status === 'failed')
    .map(([name, c]) => ({ severity: 'error' as const, source: name, text: c.detail ?? `${name} failed` }));
  const records = (listing?.problems ?? []).map((p) => ({
    severity: 'error' as const,
    source: p.file,
    text: p.reason,
  }));
  const runtime = listing?.runtimeProblem
    ? [{ severity: 'warning' as const, source: 'runtime', text: listing.runtimeProblem }]
    : [];
  return [...checks, ...records, ...runtime];
}

export function ProblemsPane() {
  const problems = useProblems();
  const selected = useBranches((s) => s.selected);
  if (!problems || !selected)
    return <p className="hint empty">Select a branch to see its failed checks and other problems.</p>;
  const label = `${selected.codebase} ${formatBranch(selected.branch)}`;
  return (
    <section className="view problems" aria-label="Problems" data-testid="problems">
      {problems.length === 0 ? (
        <p className="hint empty">
          <CircleCheck size={16} aria-hidden className="good" /> No problems in {label}: no check failed.
        </p>
      ) : (
        <ul className="list lines scroll" tabIndex={0} aria-label={`Problems of ${label}`}>
          {problems.map((p, i) => (
            <li key={i} className={`problem ${p.severity}`}>
              {p.severity === 'error' ? (
                <CircleAlert size={14} aria-label="error" />
              ) : (
                <TriangleAlert size={14} aria-label="warning" />
              )}{' '}
              <strong>{p.source}</strong> <span className="problem-text">{p.text}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
