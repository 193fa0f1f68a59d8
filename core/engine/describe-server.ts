// A build loads the branch's server to have it print its OpenAPI document, and loading runs the
// branch's modules: code the agent wrote. The engine runs that in its sandbox, as it runs the
// agent's checks (no network, memory and time limits, a copy of the build folder), never as a
// process of its own user on the host.
import type { DescribeServer } from '../build/index.ts';
import { thrownLine } from '../build/index.ts';
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
