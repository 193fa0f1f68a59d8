// What the sandboxed checks report, shared by the script inside and the engine outside.
import type { Diagnostic } from '../../build/index.ts';

export const CHECKS_MARKER = 'BRANCHYARD-CHECKS';

/** One test file, run alone. `passed` is its runner's exit, seen by the supervisor; the counts come from its TAP and are only shown. */
export interface TestFileResult {
  file: string;
  passed: boolean;
  /** How the file's run ended when its tests did not decide it. */
  end: 'finished' | 'out-of-memory' | 'timed-out' | 'killed';
  total: number;
  failed: number;
}

export interface ChecksReport {
  typecheck: { passed: boolean; count: number; diagnostics: Diagnostic[]; text: string };
  tests: { passed: boolean; total: number; failed: number; files: string[]; results: TestFileResult[]; output: string };
}
