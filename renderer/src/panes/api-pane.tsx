// The API explorer: a gateway's merged OpenAPI document (every codebase it routes) with try-it
// calls sent through the engine, so no certificate warning; and where the selected branch is served.
// The explorer itself (Swagger UI) is loaded only when this tab opens: the first paint never pays for it.
import { lazy, Suspense, useEffect } from 'react';
import { Waypoints } from 'lucide-react';
import { formatBranch } from '../branch-number.ts';
import { useBranches } from '../stores/branches-store.ts';
import { useExplorer } from '../stores/explorer-store.ts';
import { useGateways } from '../stores/gateways-store.ts';
import { useDark } from '../theme.ts';
import './api/api-pane.css';

const ApiExplorer = lazy(() => import('./api/api-explorer.tsx'));

export function ApiPane() {
  const selected = useBranches((s) => s.selected);
  const gateways = useGateways((s) => s.listing?.gateways ?? []);
  const loadGateways = useGateways((s) => s.load);
  const dark = useDark();
  const chosen = useExplorer((s) => s.gateway);
  const setChosen = useExplorer((s) => s.choose);
  useEffect(() => {
    void loadGateways();
  }, [loadGateways]);
  const serving = selected
    ? gateways.filter((g) => g.routes.some((r) => r.codebase === selected.codebase && r.branch === selected.branch))
    : [];
  const listening = gateways.filter((g) => g.listening);
  // The user's choice, else the first gateway serving the selected branch, else the first listening.
  const gateway =
    listening.find((g) => g.name === chosen)?.name ?? serving.find((g) => g.listening)?.name ?? listening[0]?.name;
  return (
    <section className="view api-pane" aria-labelledby="api-title" data-testid="api">
      <div className="view-header api-header">
        <h2 id="api-title">API explorer</h2>
        {listening.length > 0 && (
          <label className="field inline">
            <span>Gateway</span>
            <select
              className="input"
              value={gateway}
              onChange={(e) => setChosen(e.target.value)}
              data-testid="api-gateway"
            >
              {listening.map((g) => (
                <option key={g.name} value={g.name}>
                  {g.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {selected && (
          <p className="muted api-serving" data-testid="api-serving">
            <Waypoints size={14} aria-hidden /> {selected.codebase} {formatBranch(selected.branch)}{' '}
            {serving.length === 0
              ? 'is served by no gateway yet: promote it (or drag it onto a gateway) to try it here.'
              : `is served by ${serving.map((g) => g.name).join(', ')}.`}
          </p>
        )}
      </div>
      <div className="scroll api-body" tabIndex={0} aria-label="API of the gateway">
        {!gateway ? (
          <p className="hint empty">
            No gateway is listening yet: the Gateways panel says why, and the API shows here once one listens.
          </p>
        ) : (
          <Suspense fallback={<p className="hint">Loading the API explorer…</p>}>
            <ApiExplorer key={gateway} gateway={gateway} dark={dark} />
          </Suspense>
        )}
      </div>
    </section>
  );
}
