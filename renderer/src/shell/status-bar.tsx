// The status bar: the workspace, the engine connection, the model and whether it has a key, this
// month's spend against the budget, the branches running, and the long work under way.
import { Circle, KeyRound, LoaderCircle, Server, Wallet } from 'lucide-react';
import { useActivity } from '../stores/activity-store.ts';
import { useChat } from '../stores/chat-store.ts';
import { useLayout } from '../stores/layout-store.ts';
import { useStatus } from '../stores/status-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';

const usd = (n: number) => `$${n.toFixed(2)}`;

/** Long work under way, one item per task with its step and how far it got. */
function WorkBar() {
  const work = useActivity((s) => s.work);
  const tasks = Object.values(work);
  if (tasks.length === 0) return null;
  return (
    <ul className="work-bar" aria-label="Work under way" data-testid="work-bar">
      {tasks.map((w) => (
        <li key={w.task} className={w.finished ? 'finished' : undefined}>
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
  const keyInTab = useChat((s) => s.apiKey !== null);
  const { monthMicroUsd, live } = useStatus();
  const { show, setPicker } = useLayout();
  const hasKey = Boolean(info?.ai.hasKey) || keyInTab;
  return (
    <footer className="status-bar" aria-label="Status">
      <button type="button" className="status-item" onClick={() => setPicker(true)} title="Open or create a workspace">
        {info?.name ?? '…'}
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
          title={hasKey ? 'Model and key (settings)' : `No key: set ${info.ai.keyEnv} or enter one in the settings`}
          data-testid="status-model"
        >
          {info.ai.model} <KeyRound size={12} aria-hidden /> {hasKey ? 'key set' : 'no key'}
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
          {usd(info.ai.budget.perMonthUsd)} this month
        </span>
      )}
      <span className="status-item" title="Branch processes running" data-testid="status-live">
        <Server size={12} aria-hidden /> {live === null ? '–' : live} live
      </span>
    </footer>
  );
}
