// The status bar: the workspace, the engine connection, the model and whether it has a key, this
// month's spend against the budget, the branches running, and the long work under way.
import { Circle, KeyRound, LoaderCircle, Server, Wallet } from 'lucide-react';
import { useActivity } from '../stores/activity-store.ts';
import { useLayout } from '../stores/layout-store.ts';
import { useStatus } from '../stores/status-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';
import './status-bar.css';

const usd = (n: number) => `$${n.toFixed(2)}`;

/** Long work under way, one item per task with its step and how far it got. */
function WorkBar() {
  const work = useActivity((s) => s.work);
  const tasks = Object.values(work);
  if (tasks.length === 0) return null;
  return (
    <ul className="work-bar" aria-label="Work under way" data-testid="work-bar">
      {tasks.map((w) => (
        // Cut with an ellipsis when the bar is narrow; the whole line is the item's tooltip.
        <li
          key={w.task}
          className={w.finished ? 'finished' : undefined}
          title={`${w.message}${w.total ? ` (${w.done ?? 0}/${w.total})` : ''}`}
        >
          {w.finished ? null : <LoaderCircle size={12} className="spin" aria-hidden />} {w.message}
          {w.total ? ` (${w.done ?? 0}/${w.total})` : ''}
        </li>
      ))}
    </ul>
  );
}

export function StatusBar() {
  const info = useWorkspace((s) => s.info);
  const connection = useActivity((s) => s.connection);
  const { monthMicroUsd, live } = useStatus();
  const { show, setPicker } = useLayout();
  const hasKey = Boolean(info?.ai.hasKey);
  return (
    <footer className="status-bar" aria-label="Status">
      <button
        type="button"
        className="status-item status-workspace"
        onClick={() => setPicker(true)}
        title={`${info?.name ?? 'Workspace'}: open or create a workspace`}
      >
        <span className="status-text">{info?.name ?? '…'}</span>
      </button>
      <span className="status-item" title="The window's connection to the engine">
        <Circle size={8} aria-hidden className={`dot ${connection}`} />
        engine <span className={`connection ${connection}`}>{connection}</span>
      </span>
      {info && (
        <button
          type="button"
          className="status-item"
          onClick={() => show('settings')}
          title={`${info.ai.model}: ${hasKey ? 'key set (settings)' : `no key: set ${info.ai.keyEnv} or enter one in the settings`}`}
          data-testid="status-model"
        >
          <span className="status-text status-model-name">{info.ai.model}</span> <KeyRound size={12} aria-hidden />{' '}
          {hasKey ? 'key set' : 'no key'}
        </button>
      )}
      <WorkBar />
      <span className="status-spacer" />
      {info && (
        <span
          className="status-item"
          title="Spent on the agent this month, against the monthly budget (ai/config.json)"
          data-testid="status-spend"
        >
          <Wallet size={12} aria-hidden /> {monthMicroUsd === null ? '–' : usd(monthMicroUsd / 1_000_000)} /{' '}
          {usd(info.ai.budget.perMonthUsd)}
          {/* Dropped first when the bar is narrow (status-bar.css); the tooltip says it. */}
          <span className="status-wide"> this month</span>
        </span>
      )}
      <span className="status-item" title="Branch processes running" data-testid="status-live">
        <Server size={12} aria-hidden /> {live === null ? '–' : live} live
      </span>
    </footer>
  );
}
