// The typed API over the engine: one tRPC router that the Electron IPC link, `serve` and the
// CLI all call. Each procedure translates its input into a call of the engine; no logic lives
// in the transports.
export type { AppRouter } from './router.ts';
export { appRouter } from './router.ts';
export type { EngineContext } from './context.ts';
export { createCallerFactory } from './trpc.ts';
export { githubBridge, githubWebhook, startGithubBridge } from './github-router.ts';
