import { useBranches } from '../stores/branches-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';
import { BranchTree } from './branch-tree.tsx';

export function CodebasesPane() {
  const codebases = useWorkspace((s) => s.codebases);
  const expanded = useBranches((s) => s.expanded);
  const toggle = useBranches((s) => s.toggle);
  return (
    <section className="pane" aria-labelledby="codebases-title">
      <h2 id="codebases-title">Branches</h2>
      {codebases.length === 0 ? (
        <p className="hint">
          No codebases yet. Add one with <code>branchyard codebase add &lt;name&gt;</code>.
        </p>
      ) : (
        <ul className="list" data-testid="codebases">
          {codebases.map((c) => (
            <li key={c.name}>
              <button type="button" className="codebase" aria-expanded={Boolean(expanded[c.name])} onClick={() => void toggle(c.name)}>
                {expanded[c.name] ? '▾' : '▸'} <strong>{c.name}</strong>
              </button>{' '}
              <span className="muted">
                newest {c.newestBranch ?? '–'} · active {c.activeBranch ?? '–'}
              </span>
              {expanded[c.name] && <BranchTree codebase={c.name} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
