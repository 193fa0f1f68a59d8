// A build loads the branch's server to have it print its OpenAPI document, and loading runs the
// branch's modules: code the agent wrote. The engine runs that in its sandbox, as it runs the
// agent's checks (no network, memory and time limits, a copy of the build folder), or, when it
// runs a new branch, in the branch's own process, isolated as the branch is when it runs (in its
// container with Docker; on this machine, said everywhere, without it).
import http from 'node:http';
import path from 'node:path';
import type { Describer, DescribeServer, ServerDescription } from '../build/index.ts';
import { thrownLine } from '../build/index.ts';
import { BranchyardError } from '../errors/index.ts';
import type { BranchProcess } from '../runtime/index.ts';
import { BranchLoadError } from '../runtime/index.ts';
import type { Sandbox } from '../sandbox/index.ts';

const LOAD_TIMEOUT_MS = 60_000;
/** An OpenAPI document of thousands of routes stays far below this. */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

export function describeInSandbox(open: () => Promise<Sandbox>): DescribeServer {
  return async (dir) => {
    const sandbox = await open();
    const ran = await sandbox.run({
      from: dir,
      command: (layout) => [layout.node, 'server.mjs', '--print-openapi'],
      timeoutMs: LOAD_TIMEOUT_MS,
      maxOutputBytes: MAX_DOCUMENT_BYTES,
    });
    if (ran.exitCode === 0 && !ran.timedOut) return { ok: true, document: ran.stdout };
    if (ran.timedOut)
      return { ok: false, error: `its modules did not finish loading within ${LOAD_TIMEOUT_MS / 1000} s` };
    if (ran.outOfMemory)
      return {
        ok: false,
        error: `its modules used more than the sandbox's ${sandbox.limits.memoryMb} MB while loading`,
      };
    return { ok: false, error: thrownLine(ran.stderr, `it exited with code ${ran.exitCode ?? 'none'}`) };
  };
}

/**
 * A new branch described by its own process: the engine starts it in the codebase's runtime as
 * the build begins (Node's start overlaps the checks), the build places the folder once the checks
 * passed, and the process, once it answers, serves the OpenAPI document it made while loading.
 * The same code runs as in the sandbox, with the isolation the branch has when it runs (in Docker:
 * no network, the container's limits), and what it serves is read as untrusted bytes, capped.
 */
export function describeInBranchProcess(
  start: (server: string, placed: Promise<void>) => Promise<BranchProcess>,
  stop: () => Promise<void>,
  socketPath: string,
): DescribeServer & { started: () => Promise<BranchProcess> | undefined } {
  let started: Promise<BranchProcess> | undefined;
  const ahead = (outDir: string): Describer => {
    let place!: () => void;
    let refuse!: (reason: Error) => void;
    const placed = new Promise<void>((resolve, reject) => {
      place = resolve;
      refuse = reject;
    });
    const running = start(path.join(outDir, 'server.mjs'), placed);
    running.catch(() => undefined);
    let described = false;
    return {
      inPlace: true,
      describe: async () => {
        described = true;
        place();
        try {
          await running;
        } catch (error) {
          // The branch's own failure fails the build; the runtime's (Docker stopping) is the engine's error.
          if (error instanceof BranchLoadError) return { ok: false, error: error.reason };
          throw error;
        }
        started = running;
        return readDocument(socketPath);
      },
      cancel: () => {
        if (!described) refuse(new BranchyardError('RuntimeError', 'its build stopped before the branch could start'));
        else void stop().catch(() => undefined);
      },
    };
  };
  const describe = (dir: string) => ahead(dir).describe(dir);
  return Object.assign(describe, { ahead, started: () => started });
}

function readDocument(socketPath: string): Promise<ServerDescription> {
  return new Promise((resolve) => {
    const request = http.get(
      { socketPath, path: '/openapi.json', timeout: LOAD_TIMEOUT_MS, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_DOCUMENT_BYTES) {
            request.destroy();
            resolve({ ok: false, error: `its OpenAPI document is over ${MAX_DOCUMENT_BYTES} bytes` });
          } else chunks.push(chunk);
        });
        response.on('end', () => {
          const document = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode !== 200)
            return resolve({ ok: false, error: `it answered ${response.statusCode} for its OpenAPI document` });
          try {
            const parsed = JSON.parse(document) as unknown;
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
              return resolve({ ok: false, error: 'its OpenAPI document is not a JSON object' });
          } catch (error) {
            return resolve({ ok: false, error: `its OpenAPI document is not JSON: ${(error as Error).message}` });
          }
          resolve({ ok: true, document });
        });
        response.on('error', (error) =>
          resolve({ ok: false, error: `reading its OpenAPI document: ${error.message}` }),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error('no OpenAPI document in time')));
    request.on('error', (error) => resolve({ ok: false, error: `reading its OpenAPI document: ${error.message}` }));
  });
}
