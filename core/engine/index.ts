// The engine (DESIGN.md §5): one Engine per open workspace, holding the workflows that cross
// parts (run a branch, record a build, start and watch a revision, promote, check a schema), the
// jobs and listeners they own, disposed with it. Transports (api over IPC, serve, the CLI) host
// it: the live engine (startEngine, EngineHost) or a command's own (openLocalEngine).
export type { BranchRef, CodebaseRef } from './branch-ref.ts';
export { Engine } from './engine.ts';
export type { LiveState } from './live-states.ts';
export { liveStates } from './live-states.ts';
export type { EngineParts } from './parts.ts';
export type { EngineHandle, EngineOptions } from './live-engine.ts';
export { startEngine } from './live-engine.ts';
export type { EngineHostOptions } from './engine-host.ts';
export { EngineHost } from './engine-host.ts';
export { openLocalEngine } from './local-engine.ts';
export { describeInBranchProcess, describeInSandbox } from './describe-server.ts';
export { lazyState, prepareState } from './state.ts';
