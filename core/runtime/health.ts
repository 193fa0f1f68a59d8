// A branch counts as running only once its health route answers through its socket.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BranchyardError } from '../errors/index.ts';

/** Waits for the health route; `failed` is asked now and then whether to give up early, and why. */
export async function waitForHealth(socketPath: string, timeoutMs: number, what: string, failed?: () => Promise<Error | undefined>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  let nextCheck = Date.now() + 500;
  while (Date.now() < deadline) {
    if (failed && Date.now() >= nextCheck) {
      const error = await failed();
      if (error) throw error;
      nextCheck = Date.now() + 500;
    }
    try {
      const status = await probe(socketPath);
      if (status === 200) return;
      last = `health answered ${status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(50);
  }
  throw new BranchyardError('RuntimeError', `${what} did not become healthy within ${timeoutMs} ms (${last})`);
}

function probe(socketPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path: '/health', timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('health check timed out')));
    request.on('error', reject);
  });
}
