import { useWorkspace } from '../stores/workspace-store.ts';

export function GatewaysPane() {
  // Select the stable object, not a fresh fallback array: zustand re-renders on every new reference.
  const info = useWorkspace((s) => s.info);
  const gateways = info?.gateways ?? [];
  return (
    <section className="pane" aria-labelledby="gateways-title">
      <h2 id="gateways-title">Gateways</h2>
      <ul className="list" data-testid="gateways">
        {gateways.map((g) => (
          <li key={g.name}>
            <strong>{g.name}</strong> <span className="muted">:{g.port}</span>
            {g.protected && <span className="badge">protected</span>}
            {g.promotesTo && <span className="muted"> → {g.promotesTo}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
