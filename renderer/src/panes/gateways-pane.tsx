// Gateways as a pipeline: cards in promotion order (development → staging → production → any
// custom), each with the branch it serves per codebase, whether it listens, and its last promotion
// (who, when, from which branch). A card offers "Promote to <next>" for what it serves and "Roll
// back to <previous>" for what it served before; a protected gateway asks first, showing the
// change and its checks. A branch dragged from the tree onto a card is promoted there (the card
// lights up while it is over it).
import { ArrowDown, BookOpen, History, Rocket, ShieldCheck, Undo2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { DragEvent } from 'react';
import { api } from '../api.ts';
import { BRANCH_DRAG_TYPE } from '../drag.ts';
import { useBranches } from '../stores/branches-store.ts';
import { useExplorer } from '../stores/explorer-store.ts';
import type { PendingPromotion, Promotion } from '../stores/gateways-store.ts';
import { useGateways } from '../stores/gateways-store.ts';
import { useLayout } from '../stores/layout-store.ts';
import { Dialog } from '../ui/dialog.tsx';
import { Markdown } from './chat/markdown.tsx';
import { formatMaybeBranch } from '../branch-number.ts';

type Gateway = NonNullable<ReturnType<typeof useGateways.getState>['listing']>['gateways'][number];
type Shown = Awaited<ReturnType<typeof api.branch.show.query>>;

/** In promotion order: each gateway before the one it promotes to (development → staging → production). */
export function pipelineOrder(gateways: Gateway[]): Gateway[] {
  const targets = new Set(gateways.map((g) => g.promotesTo));
  const ordered: Gateway[] = [];
  let next = gateways.find((g) => !targets.has(g.name));
  while (next && !ordered.includes(next)) {
    ordered.push(next);
    const to = next.promotesTo;
    next = gateways.find((g) => g.name === to);
  }
  return [...ordered, ...gateways.filter((g) => !ordered.includes(g))];
}

function ago(at: string): string {
  const s = Math.max(0, (Date.now() - Date.parse(at)) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return new Date(at).toLocaleDateString();
}

export function GatewaysPane() {
  const { listing, status, last, load, promote, pending, ask, cancel } = useGateways();
  const selected = useBranches((s) => s.selected);
  const [over, setOver] = useState<string | null>(null);
  useEffect(() => void load(), [load]);
  const order = pipelineOrder(listing?.gateways ?? []);
  const onDrop = (gateway: Gateway) => (event: DragEvent) => {
    event.preventDefault();
    setOver(null);
    const [codebase, branch] = event.dataTransfer.getData(BRANCH_DRAG_TYPE).split(':');
    if (codebase && branch) ask({ gateway: gateway.name, codebase, branch: Number(branch), rollback: false });
  };
  return (
    <section className="side-panel" aria-labelledby="gateways-title">
      <header className="panel-header">
        <h2 id="gateways-title">Gateways</h2>
      </header>
      <div className="panel-body scroll" tabIndex={0} aria-label="Gateways in promotion order">
        {status['*']?.failed && (
          <p className="error" role="alert">
            {status['*'].message}
          </p>
        )}
        <ol className="list gateways pipeline" data-testid="gateways">
          {order.map((g, i) => {
            const state = status[g.name];
            const next = g.promotesTo ? order.find((n) => n.name === g.promotesTo) : undefined;
            // The codebase the actions are for: the selected branch's, or each route's.
            const routes = selected ? g.routes.filter((r) => r.codebase === selected.codebase) : g.routes;
            return (
              <li key={g.name} className="pipeline-stage">
                {i > 0 && <ArrowDown size={14} aria-hidden className="pipeline-arrow" />}
                <div
                  className={`gateway${over === g.name ? ' drop-over' : ''}`}
                  data-testid={`gateway-${g.name}`}
                  onDragOver={(e) => {
                    if (!e.dataTransfer.types.includes(BRANCH_DRAG_TYPE)) return;
                    e.preventDefault();
                    setOver(g.name);
                  }}
                  onDragLeave={() => setOver((o) => (o === g.name ? null : o))}
                  onDrop={onDrop(g)}
                >
                  <div className="gateway-head">
                    <span
                      className={`dot ${g.listening ? 'live' : 'lost'}`}
                      role="img"
                      aria-label={g.listening ? 'listening' : 'not listening'}
                    />
                    <strong>{g.name}</strong> <span className="muted">:{g.port}</span>
                    {g.protected && (
                      <span className="badge">
                        <ShieldCheck size={12} aria-hidden />
                        protected
                      </span>
                    )}
                    <span className="muted follow">
                      {g.follow === 'newest' ? 'follows the newest branch' : 'by promotion'}
                    </span>
                    {!g.listening && g.error && <p className="error">{g.error}</p>}
                  </div>
                  <ul className="list routes">
                    {routes.map((r) => {
                      const previous: Promotion | undefined = last[`${g.name}:${r.codebase}`];
                      const served = r.branch;
                      const nextServes = next?.routes.find((n) => n.codebase === r.codebase)?.branch ?? null;
                      return (
                        <li key={r.codebase} className="route" data-testid={`route-${g.name}-${r.codebase}`}>
                          <div className="route-line">
                            <span>
                              {r.codebase} → <code>{formatMaybeBranch(served)}</code>
                            </span>
                            {served !== null && (
                              // In the window's explorer, whose calls the engine sends: no certificate
                              // warning, which the gateway's own page would meet in a browser.
                              <button
                                type="button"
                                className="link-button"
                                onClick={() => {
                                  useExplorer.getState().choose(g.name);
                                  useLayout.getState().show('api');
                                }}
                                data-testid={`api-docs-${g.name}-${r.codebase}`}
                              >
                                API docs
                                <BookOpen size={12} aria-hidden />
                              </button>
                            )}
                          </div>
                          {previous && (
                            <p className="muted last-promotion" data-testid={`last-promotion-${g.name}-${r.codebase}`}>
                              <History size={12} aria-hidden /> {formatMaybeBranch(previous.to)} from{' '}
                              {formatMaybeBranch(previous.from)} by {previous.by ?? previous.actor}, {ago(previous.at)}
                            </p>
                          )}
                          <div className="gateway-actions">
                            {next && served !== null && nextServes !== served && (
                              <button
                                type="button"
                                className="button small"
                                disabled={status[next.name]?.busy}
                                onClick={() =>
                                  ask({ gateway: next.name, codebase: r.codebase, branch: served, rollback: false })
                                }
                                data-testid={`promote-${next.name}`}
                              >
                                <Rocket size={14} aria-hidden />
                                Promote {formatMaybeBranch(served)} to {next.name}
                              </button>
                            )}
                            {/* A gateway that follows the newest branch would move on again at once. */}
                            {g.follow !== 'newest' &&
                              previous &&
                              previous.from !== null &&
                              previous.from !== served && (
                                <button
                                  type="button"
                                  className="button small"
                                  disabled={state?.busy}
                                  onClick={() =>
                                    ask({
                                      gateway: g.name,
                                      codebase: r.codebase,
                                      branch: previous.from!,
                                      rollback: true,
                                    })
                                  }
                                  data-testid={`rollback-${g.name}`}
                                >
                                  <Undo2 size={14} aria-hidden />
                                  Roll back to {formatMaybeBranch(previous.from)}
                                </button>
                              )}
                          </div>
                        </li>
                      );
                    })}
                  </ul>
                  {state && (
                    <p
                      className={state.failed ? 'error' : 'muted'}
                      role={state.failed ? 'alert' : 'status'}
                      data-testid={`promotion-${g.name}`}
                    >
                      {state.message}
                    </p>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
        <p className="hint drag-hint">Drag a branch from the tree onto a gateway to serve it there.</p>
      </div>
      {pending && (
        <ConfirmPromotion
          pending={pending}
          onClose={cancel}
          onConfirm={() => {
            cancel();
            void promote(pending.gateway, pending.codebase, pending.branch);
          }}
        />
      )}
    </section>
  );
}

/** What a protected gateway is about to serve: the change and its checks, before anything moves. */
function ConfirmPromotion({
  pending,
  onClose,
  onConfirm,
}: {
  pending: PendingPromotion;
  onClose: () => void;
  onConfirm: () => void;
}) {
  const [shown, setShown] = useState<Shown | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.branch.show
      .query({ codebase: pending.codebase, branch: pending.branch })
      .then(setShown)
      .catch((e: unknown) => setError(String(e)));
  }, [pending]);
  const checks = shown ? Object.entries(shown.info.checks) : [];
  const verb = pending.rollback ? 'Roll back' : 'Promote';
  return (
    <Dialog
      open
      onClose={onClose}
      title={`${verb} ${pending.codebase} ${formatMaybeBranch(pending.branch)} to ${pending.gateway}?`}
      description={`${pending.gateway} is protected: it serves real traffic.`}
      testId="confirm-promotion"
    >
      {error && <p className="error">{error}</p>}
      {shown && (
        <>
          {/* The branch's summary.md as the chat shows the agent's text: rendered, not raw markdown. */}
          {shown.summary && (
            <div className="confirm-summary">
              <Markdown text={summaryProse(shown.summary)} testId="confirm-summary" />
            </div>
          )}
          <p className="muted">
            {shown.changes.length} file(s) changed: +{shown.changes.reduce((n, c) => n + c.linesAdded, 0)} −
            {shown.changes.reduce((n, c) => n + c.linesRemoved, 0)}
          </p>
          <ul className="list confirm-changes">
            {shown.changes.slice(0, 8).map((c) => (
              <li key={c.path}>
                <code>{c.kind[0]!.toUpperCase()}</code> {c.path}
              </li>
            ))}
          </ul>
          <ul className="list confirm-checks" data-testid="confirm-checks">
            {checks.map(([name, c]) => (
              <li key={name} className={c.status === 'passed' ? 'good' : c.status === 'failed' ? 'error' : 'muted'}>
                {name}: {c.status}
              </li>
            ))}
          </ul>
          {pending.rollback && (
            <p className="hint">It served {pending.gateway} before: a rollback is taken whatever its checks say now.</p>
          )}
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="button primary"
          onClick={onConfirm}
          disabled={!shown}
          data-testid="confirm-promote"
        >
          {verb} to {pending.gateway}
        </button>
      </div>
    </Dialog>
  );
}

/**
 * summary.md without its title (the dialog's heading names the branch) and without the table of
 * changed files (listed below from changes.json): the prose that says what the change does.
 */
function summaryProse(summary: string): string {
  return summary
    .replace(/^# .*\n+/, '')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('|'))
    .join('\n')
    .trim();
}
