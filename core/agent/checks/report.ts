// What the sandboxed checks report, shared by the script inside and the engine outside.
import type { Diagnostic } from '../../build/index.ts';

export const CHECKS_MARKER = 'BRANCHYARD-CHECKS';

export interface ChecksReport {
  typecheck: { passed: boolean; count: number; diagnostics: Diagnostic[]; text: string };
  tests: { passed: boolean; total: number; failed: number; files: string[]; output: string };
}
