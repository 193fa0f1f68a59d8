// One codebase's branches as a tree: each branch under the branch it is based on.
import type { KeyboardEvent } from 'react';
import { BRANCH_DRAG_TYPE } from '../drag.ts';
import { useBranches } from '../stores/branches-store.ts';

type Branch = NonNullable<ReturnType<typeof useBranches.getState>['listings'][string]>['branches'][number];

const pad = (n: number) => String(n).padStart(5, '0');

export function BranchTree({ codebase }: { codebase: string }) {
  const listing = useBranches((s) => s.listings[codebase]);
  const selected = useBranches((s) => s.selected);
  const select = useBranches((s) => s.select);
  if (!listing) return <p className="hint">loading…</p>;

  const children = new Map<number | null, Branch[]>();
  const known = new Set(listing.branches.map((b) => b.number));
  for (const branch of listing.branches) {
    // A branch whose parent's record is unreadable still shows, at the top level.
    const parent = branch.parent !== null && known.has(branch.parent) ? branch.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), branch]);
  }

  const onKey = (event: KeyboardEvent<HTMLUListElement>) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button.branch')];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, at + (event.key === 'ArrowDown' ? 1 : -1)))];
    next?.focus();
    event.preventDefault();
  };

  const render = (parent: number | null) => (
    <ul className="tree">
      {(children.get(parent) ?? []).map((b) => {
        const isSelected = selected?.codebase === codebase && selected.branch === b.number;
        return (
          <li key={b.number}>
            <button
              type="button"
              className={`branch${isSelected ? ' selected' : ''}`}
              aria-current={isSelected ? 'true' : undefined}
              data-testid={`branch-${codebase}-${pad(b.number)}`}
              onClick={() => void select({ codebase, branch: b.number })}
              draggable
              onDragStart={(e) => e.dataTransfer.setData(BRANCH_DRAG_TYPE, `${codebase}:${b.number}`)}
              title={b.message}
            >
              <span className="branch-number">{pad(b.number)}</span> <span className="muted branch-message">{b.message}</span>
              {b.process && (
                <span className={`badge process-${b.process.status}`} data-testid="process">
                  ● {b.process.status}
                  {listing.runtime && !listing.runtime.isolated ? ' · no isolation' : ''}
                </span>
              )}
              {b.gateways.map((g) => (
                <span key={g} className="badge">
                  {g}
                </span>
              ))}
            </button>
            {children.has(b.number) && render(b.number)}
          </li>
        );
      })}
    </ul>
  );

  return (
    <div>
      <ul className="tree root" onKeyDown={onKey}>
        <li>{render(null)}</li>
      </ul>
      {listing.runtimeProblem && (
        <p className="hint" data-testid="runtime-problem">
          Processes unknown: {listing.runtimeProblem}
        </p>
      )}
      {listing.problems.map((p) => (
        <p key={p.file} className="error" role="alert">
          {p.file}: {p.reason}
        </p>
      ))}
    </div>
  );
}
