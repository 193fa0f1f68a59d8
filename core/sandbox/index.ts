// Running a command the agent caused (its checks, its tests) in isolation: a throw-away Docker
// container with no network and hard limits, or, without Docker, a child process with the
// same time and memory limits, marked as having no isolation.
import type { EventBus } from '../events/index.ts';
import { DockerSandbox } from './docker-sandbox.ts';
import { ProcessSandbox } from './process-sandbox.ts';
import type { Sandbox, SandboxLimits } from './types.ts';

export type { Sandbox, SandboxLayout, SandboxLimits, SandboxResult, SandboxRun } from './types.ts';
export type { SandboxServer, ServeOptions } from './served.ts';
export { DockerSandbox } from './docker-sandbox.ts';
export { ProcessSandbox } from './process-sandbox.ts';

/** A container when the Docker engine answers; otherwise a child process without isolation. */
export async function openSandbox(options: {
  env?: NodeJS.ProcessEnv;
  limits: SandboxLimits;
  image?: string | null;
  events?: EventBus;
  backend?: 'docker' | 'process';
}): Promise<Sandbox> {
  if (options.backend === 'process') return new ProcessSandbox(options.limits);
  if (options.backend === 'docker') return DockerSandbox.open(options);
  return DockerSandbox.open(options).catch(() => new ProcessSandbox(options.limits));
}
