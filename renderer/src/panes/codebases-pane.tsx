// The branches panel: the workspace's codebases, each unfolding into its branch tree, and a
// codebase added by name at the bottom.
import { ChevronDown, ChevronRight, Plus } from 'lucide-react';
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
    <section className="side-panel" aria-labelledby="codebases-title">
      <header className="panel-header">
        <h2 id="codebases-title">Branches</h2>
      </header>
      <div className="panel-body scroll" tabIndex={0} aria-label="Codebases and their branches">
        {codebases.length === 0 ? (
          <p className="hint">
            No codebases yet. Add one below: each codebase is one API service with its own branches.
          </p>
        ) : (
          <ul className="list codebases" data-testid="codebases">
            {codebases.map((c) => (
              <li key={c.name}>
                <button
                  type="button"
                  className="codebase"
                  aria-expanded={Boolean(expanded[c.name])}
                  onClick={() => void toggle(c.name)}
                  title={`newest ${c.newestBranch ?? '–'} · active ${c.activeBranch ?? '–'}`}
                >
                  {expanded[c.name] ? <ChevronDown size={14} aria-hidden /> : <ChevronRight size={14} aria-hidden />}
                  <strong>{c.name}</strong>
                  <span className="muted codebase-meta">
                    newest {c.newestBranch ?? '–'} · active {c.activeBranch ?? '–'}
                  </span>
                </button>
                {expanded[c.name] && <BranchTree codebase={c.name} />}
              </li>
            ))}
          </ul>
        )}
      </div>
      <form className="panel-footer new-codebase" onSubmit={(e) => void add(e)}>
        <input
          className="input"
          aria-label="New codebase name"
          placeholder="new codebase"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" className="button" disabled={!name.trim() || adding.busy}>
          <Plus size={14} aria-hidden />
          {adding.busy ? 'Adding…' : 'Add'}
        </button>
      </form>
      {adding.error && (
        <p className="error panel-message" role="alert" data-testid="codebase-error">
          {adding.error}
        </p>
      )}
    </section>
  );
}
