// One codebase's branches as a graph: each branch a node under the branch it is based on, joined
// to it by a line; its status and checks as an icon, the gateways serving it as pills, and the
// prompt behind it on hover. A right click (or the context-menu key) offers what to do with it:
// prompt from here, diff against another branch, a terminal into it, promote it, stop or start it.
import * as Menu from '@radix-ui/react-context-menu';
import {
  CircleCheck,
  CircleDashed,
  CircleX,
  GitCompare,
  MessageSquarePlus,
  Play,
  Rocket,
  Square,
  SquareTerminal,
} from 'lucide-react';
import type { KeyboardEvent } from 'react';
import { api, errorMessage } from '../api.ts';
import { BRANCH_DRAG_TYPE } from '../drag.ts';
import { useBranches } from '../stores/branches-store.ts';
import { useChat } from '../stores/chat-store.ts';
import { useGateways } from '../stores/gateways-store.ts';
import { useLayout } from '../stores/layout-store.ts';
import { pipelineOrder } from './gateways-pane.tsx';
import { formatBranch } from '../branch-number.ts';

type Branch = NonNullable<ReturnType<typeof useBranches.getState>['listings'][string]>['branches'][number];

/** The branch's checks in one icon: all passed, one failed, or some still to come. */
function ChecksIcon({ branch }: { branch: Branch }) {
  const checks = Object.entries(branch.checks ?? {});
  const failed = checks.filter(([, c]) => c.status === 'failed').map(([n]) => n);
  const waiting = checks.filter(([, c]) => c.status === 'pending').map(([n]) => n);
  if (failed.length)
    return <CircleX size={14} className="check-icon bad" aria-label={`checks failed: ${failed.join(', ')}`} />;
  if (waiting.length)
    return <CircleDashed size={14} className="check-icon muted" aria-label={`checks pending: ${waiting.join(', ')}`} />;
  return <CircleCheck size={14} className="check-icon good" aria-label="checks passed" />;
}

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

  const onKey = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button.branch')];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, at + (event.key === 'ArrowDown' ? 1 : -1)))];
    next?.focus();
    event.preventDefault();
  };

  const render = (parent: number | null) => (
    <ul className={parent === null ? 'graph' : 'graph children'}>
      {(children.get(parent) ?? []).map((b) => {
        const isSelected = selected?.codebase === codebase && selected.branch === b.number;
        return (
          <li key={b.number} className="graph-node">
            <BranchMenu
              codebase={codebase}
              branch={b}
              others={listing.branches.map((o) => o.number).filter((n) => n !== b.number)}
            >
              <button
                type="button"
                className={`branch${isSelected ? ' selected' : ''}`}
                aria-current={isSelected ? 'true' : undefined}
                data-testid={`branch-${codebase}-${formatBranch(b.number)}`}
                onClick={() => void select({ codebase, branch: b.number })}
                draggable
                onDragStart={(e) => e.dataTransfer.setData(BRANCH_DRAG_TYPE, `${codebase}:${b.number}`)}
                title={`${formatBranch(b.number)} by the ${b.author}: ${b.message}`}
              >
                <span className={`node-dot${b.state === 'live' ? ' online' : ''}`} aria-hidden />
                <span className="branch-number">{formatBranch(b.number)}</span>
                <ChecksIcon branch={b} />
                <span className="muted branch-message">{b.message}</span>
                {b.process && b.state && (
                  <span
                    className={`badge process-${b.state}`}
                    data-testid="process"
                    title={b.state === 'sleeping' ? 'sleeping: its next request wakes it' : b.state}
                  >
                    ● {b.state}
                    {listing.runtime && !listing.runtime.isolated ? ' · no isolation' : ''}
                  </span>
                )}
                {b.gateways.length > 0 && (
                  // One line under the branch, whatever the panel's width: a pill too long for it is
                  // cut with an ellipsis, and the names are the group's tooltip.
                  <span className="gateway-pills" title={`served by ${b.gateways.join(', ')}`}>
                    {b.gateways.map((g) => (
                      <span key={g} className={`pill gateway-pill gw-${g}`}>
                        {g}
                      </span>
                    ))}
                  </span>
                )}
              </button>
            </BranchMenu>
            {children.has(b.number) && render(b.number)}
          </li>
        );
      })}
    </ul>
  );

  return (
    <div>
      <div className="graph-root" onKeyDown={onKey}>
        {render(null)}
      </div>
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

function BranchMenu({
  codebase,
  branch,
  others,
  children,
}: {
  codebase: string;
  branch: Branch;
  others: number[];
  children: React.ReactNode;
}) {
  const select = useBranches((s) => s.select);
  const setDiffBase = useBranches((s) => s.setDiffBase);
  const refresh = useBranches((s) => s.refresh);
  const show = useLayout((s) => s.show);
  const gateways = useGateways((s) => s.listing?.gateways ?? []);
  const ask = useGateways((s) => s.ask);
  const n = branch.number;
  const at = { codebase, branch: n };
  const online = branch.process?.status === 'online';
  const run = (action: () => Promise<unknown>) =>
    void action().catch((error: unknown) => useBranches.setState({ error: errorMessage(error) }));
  return (
    <Menu.Root>
      <Menu.Trigger asChild>{children}</Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className="menu" data-testid="branch-menu">
          <Menu.Label className="menu-label">
            {codebase} {formatBranch(n)}
          </Menu.Label>
          <Menu.Item
            className="menu-item"
            onSelect={() => {
              useChat.getState().setCodebase(codebase);
              useChat.getState().setFrom(codebase, n);
              show('chat');
              setTimeout(
                () => document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Prompt"]')?.focus(),
                0,
              );
            }}
          >
            <MessageSquarePlus size={14} aria-hidden /> Prompt from here
          </Menu.Item>
          <Menu.Sub>
            <Menu.SubTrigger className="menu-item" disabled={others.length === 0}>
              <GitCompare size={14} aria-hidden /> Diff against…
            </Menu.SubTrigger>
            <Menu.Portal>
              <Menu.SubContent className="menu">
                {others.map((o) => (
                  <Menu.Item
                    key={o}
                    className="menu-item"
                    onSelect={() =>
                      run(async () => {
                        await select(at);
                        setDiffBase(o);
                        show('diff');
                      })
                    }
                  >
                    {formatBranch(o)}
                  </Menu.Item>
                ))}
              </Menu.SubContent>
            </Menu.Portal>
          </Menu.Sub>
          <Menu.Item
            className="menu-item"
            onSelect={() =>
              run(async () => {
                await select(at);
                show('terminal');
              })
            }
          >
            <SquareTerminal size={14} aria-hidden /> Terminal
          </Menu.Item>
          <Menu.Sub>
            <Menu.SubTrigger className="menu-item">
              <Rocket size={14} aria-hidden /> Promote to…
            </Menu.SubTrigger>
            <Menu.Portal>
              <Menu.SubContent className="menu">
                {pipelineOrder(gateways).map((g) => (
                  <Menu.Item
                    key={g.name}
                    className="menu-item"
                    disabled={branch.gateways.includes(g.name)}
                    onSelect={() => ask({ gateway: g.name, codebase, branch: n, rollback: false })}
                  >
                    {g.name}
                    {g.protected ? ' (protected)' : ''}
                  </Menu.Item>
                ))}
              </Menu.SubContent>
            </Menu.Portal>
          </Menu.Sub>
          <Menu.Separator className="menu-separator" />
          <Menu.Item
            className="menu-item"
            onSelect={() =>
              run(async () => (online ? api.runtime.stop.mutate(at) : api.runtime.run.mutate(at)).then(() => refresh()))
            }
          >
            {online ? <Square size={14} aria-hidden /> : <Play size={14} aria-hidden />} {online ? 'Stop' : 'Start'}
          </Menu.Item>
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}
