// The build system (hidden from the agent): a branch's exported functions become a tRPC router
// with OpenAPI metadata, bundled into one server file that serves REST, tRPC, its OpenAPI
// document and a health route. Type errors and unexposable functions stop the build.
export type { Analysis } from './analyze.ts';
export { analyzeBranch, analyzeFolder } from './analyze.ts';
export type { Checkout } from './checkout.ts';
export { checkoutBranch } from './checkout.ts';
export type { BuildProblem, ExposedFunction, HttpMethod } from './discover.ts';
export { kebab } from './discover.ts';
export type { Property, Shape } from './shapes.ts';
export { linkStack, STACK_PACKAGES } from './stack.ts';
export type { Diagnostic } from './typecheck.ts';
export { compilerOptions, formatDiagnostic, typecheck } from './typecheck.ts';
export { libraryCachingHost } from './library-files.ts';
export { typescript } from './typescript.ts';
export type { BuildResult, Describer, DescribeServer, RouteSummary, ServerDescription } from './build-branch.ts';
export { buildBranch, bundleServer, thrownLine } from './build-branch.ts';
export { runtimePreloader } from './runtime-bundle.ts';
