// Gateways: one column per gateway with the branch it serves for each codebase, links to its
// API docs, and promotion of the selected branch (button, or drag a branch onto a gateway) with
// the checks a protected gateway wants and the engine's reason when it refuses.
import { useEffect } from 'react';
import type { DragEvent } from 'react';
import { BRANCH_DRAG_TYPE } from '../drag.ts';
import { useBranches } from '../stores/branches-store.ts';
import { useGateways } from '../stores/gateways-store.ts';

const pad = (n: number | null) => (n === null ? '–' : String(n).padStart(5, '0'));

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
    <section className="pane" aria-labelledby="gateways-title">
      <h2 id="gateways-title">Gateways</h2>
      {status['*']?.failed && (
        <p className="error" role="alert">
          {status['*'].message}
        </p>
      )}
      <ul className="list gateways" data-testid="gateways">
        {(listing?.gateways ?? []).map((g) => {
          const state = status[g.name];
          const failing = g.protected && checks ? Object.entries(checks).filter(([, c]) => c.status !== 'passed') : [];
          return (
            <li key={g.name} className="gateway" data-testid={`gateway-${g.name}`} onDragOver={(e) => e.preventDefault()} onDrop={onDrop(g.name)}>
              <div>
                <strong>{g.name}</strong> <span className="muted">:{g.port}</span>
                {g.protected && <span className="badge">protected</span>}
                {g.promotesTo && <span className="muted"> → {g.promotesTo}</span>}
                {!g.listening && g.error && <p className="error">{g.error}</p>}
              </div>
              <ul className="list routes">
                {g.routes.map((r) => (
                  <li key={r.codebase} data-testid={`route-${g.name}-${r.codebase}`}>
                    {r.codebase} → <code>{pad(r.branch)}</code>{' '}
                    {r.branch !== null && (
                      <a href={`${r.url}/_branchyard/docs`} target="_blank" rel="noreferrer">
                        API docs
                      </a>
                    )}
                  </li>
                ))}
              </ul>
              {selected && (
                <>
                  <button type="button" disabled={state?.busy} onClick={() => void promote(g.name, selected.codebase, selected.branch)} data-testid={`promote-${g.name}`}>
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
    </section>
  );
}
