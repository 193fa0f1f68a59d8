// Gateways: one column per gateway with the branch it serves for each codebase, links to its
// API docs, and promotion of the selected branch (button, or drag a branch onto a gateway) with
// the checks a protected gateway wants and the engine's reason when it refuses.
import { ArrowUpRight, Rocket, ShieldCheck } from 'lucide-react';
import { useEffect } from 'react';
import type { DragEvent } from 'react';
import { BRANCH_DRAG_TYPE } from '../drag.ts';
import { useBranches } from '../stores/branches-store.ts';
import { useGateways } from '../stores/gateways-store.ts';

const pad = (n: number | null) => (n === null ? '–' : String(n).padStart(5, '0'));

type Gateway = NonNullable<ReturnType<typeof useGateways.getState>['listing']>['gateways'][number];

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

export function GatewaysPane() {
  const { listing, status, load, promote } = useGateways();
  const selected = useBranches((s) => s.selected);
  const checks = useBranches((s) => s.detail?.shown.info.checks);
  useEffect(() => void load(), [load]);
  const onDrop = (gateway: string) => (event: DragEvent) => {
    event.preventDefault();
    const [codebase, branch] = event.dataTransfer.getData(BRANCH_DRAG_TYPE).split(':');
    if (codebase && branch) void promote(gateway, codebase, Number(branch));
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
      <ul className="list gateways" data-testid="gateways">
        {pipelineOrder(listing?.gateways ?? []).map((g) => {
          const state = status[g.name];
          const failing = g.protected && checks ? Object.entries(checks).filter(([, c]) => c.status !== 'passed') : [];
          return (
            <li key={g.name} className="gateway" data-testid={`gateway-${g.name}`} onDragOver={(e) => e.preventDefault()} onDrop={onDrop(g.name)}>
              <div className="gateway-head">
                <span className={`dot ${g.listening ? 'live' : 'lost'}`} aria-hidden />
                <strong>{g.name}</strong> <span className="muted">:{g.port}</span>
                {g.protected && (
                  <span className="badge">
                    <ShieldCheck size={12} aria-hidden />
                    protected
                  </span>
                )}
                {g.promotesTo && <span className="muted next"> → {g.promotesTo}</span>}
                {!g.listening && g.error && <p className="error">{g.error}</p>}
              </div>
              <ul className="list routes">
                {g.routes.map((r) => (
                  <li key={r.codebase} data-testid={`route-${g.name}-${r.codebase}`}>
                    {r.codebase} → <code>{pad(r.branch)}</code>{' '}
                    {r.branch !== null && (
                      <a className="link-button" href={`${r.url}/_branchyard/docs`} target="_blank" rel="noreferrer">
                        API docs
                        <ArrowUpRight size={12} aria-hidden />
                      </a>
                    )}
                  </li>
                ))}
              </ul>
              {selected && (
                <>
                  <button type="button" className="button" disabled={state?.busy} onClick={() => void promote(g.name, selected.codebase, selected.branch)} data-testid={`promote-${g.name}`}>
                    <Rocket size={14} aria-hidden />
                    Promote {selected.codebase} {pad(selected.branch)} here
                  </button>
                  {failing.length > 0 && (
                    <p className="hint">
                      {g.name} takes only branches whose every check passed; this one has {failing.map(([name, c]) => `${name} ${c.status}`).join(', ')}.
                    </p>
                  )}
                </>
              )}
              {state && (
                <p className={state.failed ? 'error' : 'muted'} role={state.failed ? 'alert' : 'status'} data-testid={`promotion-${g.name}`}>
                  {state.message}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      </div>
    </section>
  );
}
