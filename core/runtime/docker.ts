// The Docker engine, reached over its unix socket (never a network address). Every call that
// waits on the engine is bounded, so a stopped or stuck engine gives a clear error, not a hang.
import Docker from 'dockerode';
import { BranchyardError } from '../errors/index.ts';

export function dockerSocket(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

export async function connectDocker(env: NodeJS.ProcessEnv = process.env, timeoutMs = 5000): Promise<Docker> {
  const socketPath = dockerSocket(env);
  const docker = new Docker({ socketPath, timeout: 120_000 });
  try {
    await withTimeout(
      docker.ping(),
      timeoutMs,
      `the Docker engine at ${socketPath} did not answer within ${timeoutMs} ms`,
    );
  } catch (error) {
    throw new BranchyardError(
      'RuntimeUnavailableError',
      `cannot reach the Docker engine at ${socketPath}: ${(error as Error).message}; start it (dockerd) or run branches on the host without isolation`,
      { cause: error },
    );
  }
  return docker;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]).finally(() => clearTimeout(timer));
}
