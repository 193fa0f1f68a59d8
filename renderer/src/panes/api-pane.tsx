// The selected branch's API where it is served: each gateway routing its codebase to it, with the
// address and the branch's generated API docs (OpenAPI, tried from the browser).
import { ExternalLink, Waypoints } from 'lucide-react';
import { useBranches } from '../stores/branches-store.ts';
import { useGateways } from '../stores/gateways-store.ts';

const pad = (n: number) => String(n).padStart(5, '0');

export function ApiPane() {
  const selected = useBranches((s) => s.selected);
  const gateways = useGateways((s) => s.listing?.gateways ?? []);
  if (!selected) return <p className="hint empty">Select a branch to try its API.</p>;
  const serving = gateways.flatMap((g) =>
    g.routes
      .filter((r) => r.codebase === selected.codebase && r.branch === selected.branch)
      .map((r) => ({ gateway: g.name, url: r.url })),
  );
  return (
    <section className="view api-pane scroll" aria-labelledby="api-title" data-testid="api" tabIndex={0}>
      <div className="view-header">
        <h2 id="api-title">
          API of {selected.codebase} {pad(selected.branch)}
        </h2>
      </div>
      {serving.length === 0 ? (
        <p className="hint">
          No gateway serves {pad(selected.branch)} yet. Promote it to one (from the gateways panel, or drag the branch
          onto a gateway), then its routes and docs show here.
        </p>
      ) : (
        <ul className="cards">
          {serving.map((s) => (
            <li key={s.gateway} className="card">
              <Waypoints size={16} aria-hidden /> <strong>{s.gateway}</strong> <code>{s.url}</code>{' '}
              <a className="link-button" href={`${s.url}/_branchyard/docs`} target="_blank" rel="noreferrer">
                API docs <ExternalLink size={12} aria-hidden />
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
