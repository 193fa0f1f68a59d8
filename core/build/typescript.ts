// The TypeScript compiler, loaded on its first use. It takes ~80 MB once loaded, and `serve`
// (every part's module is imported at its start) may run for long before it builds a branch.
// Files that use it import its types with `import type ts from 'typescript'` and, in each
// function that needs its values, shadow that name with `const ts = typescript();`.
import { createRequire } from 'node:module';
import type ts from 'typescript';

let loaded: typeof ts | undefined;

export function typescript(): typeof ts {
  return (loaded ??= createRequire(import.meta.url)('typescript') as typeof ts);
}
