// The selected branch: its record, checks, summary, changed files and the diff against its
// parent, coloured line by line. The pane stays mounted while another tab is shown, so selecting a
// branch renders its patch at once: consecutive lines of one kind are one span (a new file of
// 2,000 lines was 2,000 elements on every selection), and the same patch is not rendered again.
import { memo } from 'react';
import { useBranches } from '../stores/branches-store.ts';
import { formatMaybeBranch } from '../branch-number.ts';
import { Markdown } from './chat/markdown.tsx';
import { patchRuns } from './patch-runs.ts';

export function BranchPane() {
  const detail = useBranches((s) => s.detail);
  const error = useBranches((s) => s.error);
  // live, waking, sleeping, failed or stopped, as the branches list has it (null without a live engine).
  const state = useBranches((s) =>
    s.selected
      ? (s.listings[s.selected.codebase]?.branches.find((b) => b.number === s.selected!.branch)?.state ?? null)
      : null,
  );
  if (!detail) {
    return error ? (
      <p className="error" role="alert">
        {error}
      </p>
    ) : (
      <p className="hint empty">Select a branch in the branches panel to see its record, checks and patch.</p>
    );
  }
  const { info } = detail.shown;
  return (
    <section
      className="view branch-detail scroll padded"
      aria-labelledby="branch-title"
      data-testid="branch-detail"
      tabIndex={0}
    >
      <h2 id="branch-title">
        Branch {formatMaybeBranch(info.number)} <span className="muted">from {formatMaybeBranch(info.parent)}</span>
      </h2>
      <p>
        <strong>{info.message}</strong>{' '}
        <span className="muted">
          {info.author} · {new Date(info.createdAt).toLocaleString()} · commit <code>{info.commit.slice(0, 7)}</code> ·{' '}
          {info.status}
          {state && (
            <>
              {' · '}
              <span className={`badge process-${state}`} data-testid="branch-state">
                {state}
              </span>
            </>
          )}
          {info.devRevision !== null && ` · revision ${String(info.devRevision).padStart(4, '0')}`}
        </span>
      </p>
      <p className="checks" data-testid="branch-checks">
        {Object.entries(info.checks).map(([name, check]) => (
          <span key={name} className={`badge check-${check.status}`} title={check.detail}>
            {name} {check.status}
          </span>
        ))}
      </p>
      <Markdown text={detail.shown.summary} testId="branch-summary" />
      <h3 className="section-title">Diff against {formatMaybeBranch(detail.diff.against)}</h3>
      <pre
        className="diff"
        data-testid="branch-diff"
        tabIndex={0}
        aria-label={`Patch against ${formatMaybeBranch(detail.diff.against)}`}
      >
        <Patch patch={detail.diff.patch} />
      </pre>
    </section>
  );
}

const Patch = memo(function Patch({ patch }: { patch: string }) {
  return patchRuns(patch).map((run, i) => (
    <span key={i} className={run.kind}>
      {run.text}
    </span>
  ));
});
