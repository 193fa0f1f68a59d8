import { useWorkspace } from '../stores/workspace-store.ts';

export function CodebasesPane() {
  const codebases = useWorkspace((s) => s.codebases);
  return (
    <section className="pane" aria-labelledby="codebases-title">
      <h2 id="codebases-title">Branches</h2>
      {codebases.length === 0 ? (
        <p className="hint">
          No codebases yet. Add one with <code>branchyard codebase add &lt;name&gt;</code>.
        </p>
      ) : (
        <ul className="list">
          {codebases.map((c) => (
            <li key={c.name}>
              <strong>{c.name}</strong> <span className="muted">newest {c.newestBranch ?? '–'} · active {c.activeBranch ?? '–'}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
