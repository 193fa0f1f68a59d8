// Branch numbers as the user reads them everywhere else (git, the CLI, file names): five digits.
// The renderer takes only types from core (CONVENTIONS.md §1), so core's formatBranch is mirrored
// here once instead of padded inline in every pane.
export function formatBranch(number: number): string {
  return String(number).padStart(5, '0');
}

/** A branch that may not exist yet (a gateway serving nothing, a revision not built). */
export function formatMaybeBranch(number: number | null | undefined): string {
  return number === null || number === undefined ? '–' : formatBranch(number);
}
