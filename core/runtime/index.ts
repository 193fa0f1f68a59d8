// The branch runtime: every branch as its own PM2 process, one PM2 per codebase, in a Docker
// container (no network, limits from servers/config.json) or, without Docker, on this machine
// with no isolation. Branches are reached through unix sockets in a folder on the host, and a
// branch is running only once its health route answers.
export { ensureBaseImage, NODE_IN_IMAGE } from './base-image.ts';
export { connectDocker, dockerSocket, withTimeout } from './docker.ts';
export { branchSocketPath, Pm2Runtime, runFolders } from './pm2-runtime.ts';
export type { BranchProcess, Limits, RuntimeOptions, TtyStream } from './types.ts';
export { waitForHealth } from './health.ts';
export { BranchLoadError } from './load-error.ts';
export { DockerBackend, ENGINE_MODULES } from './docker-backend.ts';
export { execIn } from './exec.ts';
export type { RuntimeLifecycle } from './lifecycle.ts';
export { branchLifecycle } from './lifecycle.ts';
