// Each branch's live state as branch lists show it (issue 21): live, waking, sleeping (stopped
// when idle, woken by its next request), failed (it could not start, and is not woken in a
// loop), or stopped. PM2 says what runs; the gateways know what they are waking and what they
// gave up on, so theirs wins. The window follows it through the wake and sleep progress events.
import type { BranchState } from '../gateway/index.ts';
import type { BranchProcess } from '../runtime/index.ts';
import type { Engine } from './engine.ts';

export type LiveState = BranchState | 'stopped';

/** Each branch's state by number; null when no live engine runs (the states are then unknown). */
export function liveStates(
  engine: Engine,
  codebase: string,
  processes: readonly BranchProcess[] | null,
): ((branch: number) => LiveState) | null {
  if (processes === null) return null;
  const held = new Map(
    (engine.parts.gateways?.().branchStates() ?? [])
      .filter((s) => s.codebase === codebase && (s.state === 'waking' || s.state === 'failed'))
      .map((s) => [s.branch, s.state]),
  );
  const byBranch = new Map(processes.map((p) => [p.branch, p]));
  return (branch) => held.get(branch) ?? fromProcess(byBranch.get(branch));
}

function fromProcess(process: BranchProcess | undefined): LiveState {
  switch (process?.status) {
    case undefined:
    case 'stopped':
      return 'stopped';
    case 'online':
      return 'live';
    case 'waking':
    case 'launching':
    case 'restarting':
      return 'waking';
    case 'sleeping':
      return 'sleeping';
    case 'errored':
      return 'failed';
    default:
      return 'stopped';
  }
}
