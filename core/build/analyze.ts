// The first half of a build: the branch's files on disk, a type-check, and the functions it
// exposes with their routes and shapes. A branch with diagnostics or problems is never started.
import type { EventBus } from '../events/index.ts';
import type { CodebaseHandle } from '../git/index.ts';
import type { Checkout } from './checkout.ts';
import { checkoutBranch } from './checkout.ts';
import type { BuildProblem, ExposedFunction } from './discover.ts';
import { discover } from './discover.ts';
import type { Diagnostic } from './typecheck.ts';
import { typecheckKept, viewOf } from './kept-check.ts';
import { branchProgram, typecheck } from './typecheck.ts';

export interface Analysis {
  checkout: Checkout;
  diagnostics: Diagnostic[];
  functions: ExposedFunction[];
  problems: BuildProblem[];
  ok: boolean;
}

export async function analyzeBranch(codebase: CodebaseHandle, branch: number, events?: EventBus): Promise<Analysis> {
  const task = `build:${codebase.paths.name}:${branch}`;
  const step = (name: string, message: string, done: number) =>
    events?.emit('progress', { task, step: name, message, done, total: 3 });
  step('checkout', 'writing the branch files for the compiler', 0);
  const checkout = await checkoutBranch(codebase, branch);
  step('typecheck', `type-checking ${checkout.files.filter((f) => f.endsWith('.ts')).length} files`, 1);
  return {
    checkout,
    ...analyzeFolder(checkout.dir, checkout.files, {
      // A codebase's trees sit side by side: its builds check incrementally (kept-check.ts).
      view: viewOf(checkout.dir),
      typechecked: () => step('discover', 'finding the exported functions', 2),
    }),
  };
}

/**
 * The same for any folder of branch files with the stack linked in (a working copy before it is a
 * branch). `typecheck: false` skips the compiler's diagnostics, for a tree whose checks already
 * type-checked it: discovery alone costs a fraction of a full check. With `view`, the check is
 * incremental over the checks made under the same view (see kept-check.ts).
 */
export function analyzeFolder(
  dir: string,
  files: string[],
  options: { typecheck?: boolean; view?: string; typechecked?: () => void } = {},
): Omit<Analysis, 'checkout'> {
  const seenAs = options.typecheck !== false && options.view ? options.view : dir;
  const { program, diagnostics } =
    options.typecheck === false
      ? { program: branchProgram(dir, files).program, diagnostics: [] }
      : options.view
        ? typecheckKept(dir, files, options.view)
        : typecheck(dir, files);
  options.typechecked?.();
  // Synchronous from the check to here: a kept program is not checked again meanwhile.
  const { functions, problems } = discover(program, seenAs);
  return { diagnostics, functions, problems, ok: diagnostics.length === 0 && problems.length === 0 };
}
