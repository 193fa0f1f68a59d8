// The build system (hidden from the agent): a branch's exported functions become routes. This
// part type-checks a branch and reads what it exposes; router, OpenAPI and bundle generation
// build on the analysis.
export type { Analysis } from './analyze.ts';
export { analyzeBranch } from './analyze.ts';
export type { Checkout } from './checkout.ts';
export type { BuildProblem, ExposedFunction, HttpMethod } from './discover.ts';
export { kebab } from './discover.ts';
export type { Property, Shape } from './shapes.ts';
export { STACK_PACKAGES } from './stack.ts';
export type { Diagnostic } from './typecheck.ts';
export { formatDiagnostic } from './typecheck.ts';
