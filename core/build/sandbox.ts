// The build's second public face, for scripts the engine bundles alone into the sandbox (the
// checks): the compiler's check and the stack, and nothing that starts processes, bundles or
// reads git, which index.ts would bring into that bundle.
export { linkStack, STACK_PACKAGES, TYPE_PACKAGES } from './stack.ts';
export { formatDiagnostic, typecheck } from './typecheck.ts';
