// A branch started ahead of its build (Pm2Runtime.start with `placed`) that never answered: its
// modules threw while loading, or did not finish loading in time. The build reports it as the
// branch's own problem, where a runtime that went away is the engine's.
import { BranchyardError } from '../errors/index.ts';

export class BranchLoadError extends BranchyardError {
  /** What went wrong, in one line: the error the modules threw, or the wait that ran out. */
  readonly reason: string;

  constructor(message: string, reason: string) {
    super('RuntimeError', message);
    this.reason = reason;
  }
}

/** The line of a branch's log that names what it threw (PM2 writes a date before each line). */
export function thrownIn(logLines: string): string | undefined {
  return logLines
    .split('\n')
    .map((line) => line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z?: /, ''))
    .find((line) => /^\w*Error\b/.test(line));
}
