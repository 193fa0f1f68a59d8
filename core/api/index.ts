// The typed API over the engine: one tRPC router that the Electron IPC link, `serve` and the
// CLI all call. Transports only translate; no logic lives in them.
export type { AppRouter } from './router.ts';
export { appRouter } from './router.ts';
export type { EngineContext } from './context.ts';
export { createCallerFactory } from './trpc.ts';
export { lazyState, prepareState } from './engine-state.ts';
export { ensureBranchRunning } from './runtime-router.ts';
export { revisionRunning } from './agent-router.ts';
