// The branch runtime: every branch as its own process under PM2, in one Docker container per
// codebase (no network, limits from servers/config.json), reached through unix sockets in a
// folder shared with the host. A branch is running only once its health route answers.
export { ensureBaseImage } from './base-image.ts';
export { connectDocker, dockerSocket } from './docker.ts';
export type { BranchProcess, DockerRuntimeOptions, Limits } from './docker-runtime.ts';
export { DockerRuntime } from './docker-runtime.ts';
export { waitForHealth } from './health.ts';
