import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorMessage } from '../api.ts';
import { useBranches } from '../stores/branches-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';
import { BranchTree } from './branch-tree.tsx';

export function CodebasesPane() {
  const codebases = useWorkspace((s) => s.codebases);
  const expanded = useBranches((s) => s.expanded);
  const toggle = useBranches((s) => s.toggle);
  const [name, setName] = useState('');
  const [adding, setAdding] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const add = async (event: FormEvent) => {
    event.preventDefault();
    const submitted = name;
    setAdding({ busy: true, error: null });
    try {
      await api.codebase.add.mutate({ name: submitted.trim() });
      // What was typed meanwhile (the next name) stays.
      setName((current) => (current === submitted ? '' : current));
      setAdding({ busy: false, error: null });
      await useWorkspace.getState().load();
    } catch (error) {
      setAdding({ busy: false, error: errorMessage(error) });
    }
  };
  return (
    <section className="pane" aria-labelledby="codebases-title">
      <h2 id="codebases-title">Branches</h2>
      {codebases.length === 0 ? (
        <p className="hint">
          No codebases yet. Add one below, or with <code>branchyard codebase add &lt;name&gt;</code>.
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
      <form className="new-codebase" onSubmit={(e) => void add(e)}>
        <input aria-label="New codebase name" placeholder="new codebase" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" disabled={!name.trim() || adding.busy}>
          {adding.busy ? 'Adding…' : 'Add'}
        </button>
      </form>
      {adding.error && (
        <p className="error" role="alert" data-testid="codebase-error">
          {adding.error}
        </p>
      )}
    </section>
  );
}
