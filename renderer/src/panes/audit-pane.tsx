// The audit trail of the selected branch's dev revision (issue 22): every action of the product
// owner, the developer and the engine, oldest first, with the tool, a digest of its arguments,
// the outcome, the tokens and money of each model call and how long each took.
import { RefreshCw } from 'lucide-react';
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage } from '../api.ts';
import { useBranches } from '../stores/branches-store.ts';
import { IconButton } from '../ui/tooltip.tsx';

type Entry = Awaited<ReturnType<typeof api.audit.list.query>>[number];

const WHO: Record<string, string> = { 'product-owner': 'product owner', developer: 'developer' };
const usd = (micro: number) => `$${(micro / 1e6).toFixed(4)}`;

export function AuditPane() {
  const selected = useBranches((s) => s.selected);
  const revision = useBranches((s) => s.detail?.shown.info.devRevision ?? null);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const codebase = selected?.codebase;

  const load = useCallback(async () => {
    if (!codebase || revision === null) return;
    try {
      setEntries(await api.audit.list.query({ codebase, revision }));
      setError(null);
    } catch (failure) {
      setEntries(null);
      setError(errorMessage(failure));
    }
  }, [codebase, revision]);
  useEffect(() => void load(), [load]);

  if (!codebase)
    return <p className="hint empty">Select a branch to see the audit trail of the revision that made it.</p>;
  if (revision === null) return <p className="hint empty">This branch was made by hand: no agent acted on it.</p>;
  const label = `revision ${String(revision).padStart(4, '0')} of ${codebase}`;
  const cost = (entries ?? []).reduce((sum, e) => sum + e.costMicroUsd, 0);
  return (
    <section className="view audit" aria-label="Audit trail" data-testid="audit">
      <header className="hint" style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
        <span>
          Audit trail of {label}
          {entries && ` · ${entries.length} actions · ${usd(cost)}`}
        </span>
        <IconButton label="Reload the audit trail" side="top" onClick={() => void load()}>
          <RefreshCw size={14} aria-hidden />
        </IconButton>
      </header>
      {error && <p className="hint empty problem-text">{error}</p>}
      {entries && (
        <div className="scroll" tabIndex={0} aria-label={`Actions of ${label}, oldest first`}>
          <table style={{ width: '100%', borderCollapse: 'collapse', fontVariantNumeric: 'tabular-nums' }}>
            <thead>
              <tr>
                {['time', 'who', 'action', 'outcome', 'tokens', 'cost', 'took', 'arguments'].map((h) => (
                  <th key={h} scope="col" style={{ textAlign: 'left', padding: '2px 8px' }}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {entries.map((e, i) => (
                <tr key={i}>
                  <td style={{ padding: '2px 8px' }}>{new Date(e.at).toLocaleTimeString()}</td>
                  <td style={{ padding: '2px 8px' }}>{e.role ? WHO[e.role] : e.actor}</td>
                  <td style={{ padding: '2px 8px' }}>{e.tool ?? e.action}</td>
                  <td style={{ padding: '2px 8px' }}>{e.outcome ?? ''}</td>
                  <td style={{ padding: '2px 8px' }}>
                    {e.promptTokens || e.completionTokens ? `${e.promptTokens} + ${e.completionTokens}` : ''}
                  </td>
                  <td style={{ padding: '2px 8px' }}>{e.costMicroUsd ? usd(e.costMicroUsd) : ''}</td>
                  <td style={{ padding: '2px 8px' }}>{e.durationMs === null ? '' : `${e.durationMs} ms`}</td>
                  <td style={{ padding: '2px 8px' }}>
                    <code>{e.argsDigest ?? ''}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
