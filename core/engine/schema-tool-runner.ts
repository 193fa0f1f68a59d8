// The schema check reads a branch's schema with drizzle-kit, and reading it runs the schema's
// module: code the agent wrote. The engine runs the tool in its sandbox (no network, limits, a
// copy of the folder holding only the two bundles), never on the host.
import { thrownLine } from '../build/index.ts';
import type { Sandbox } from '../sandbox/index.ts';
import type { SchemaToolRunner } from '../schema/index.ts';

/** A plan of thousands of tables stays far below this. */
const MAX_PLAN_BYTES = 64 * 1024 * 1024;

export function schemaToolInSandbox(open: () => Promise<Sandbox>): SchemaToolRunner {
  return async (bundles, toolDir, timeoutMs) => {
    const sandbox = await open();
    const ran = await sandbox.run({
      from: bundles,
      tools: toolDir,
      command: (layout) => [layout.node, `${layout.tools}/schema-tool.mjs`, 'prev.mjs', 'cur.mjs'],
      timeoutMs,
      maxOutputBytes: MAX_PLAN_BYTES,
    });
    if (ran.exitCode === 0 && !ran.timedOut) return { ok: true, stdout: ran.stdout };
    if (ran.timedOut) return { ok: false, error: `no answer within ${timeoutMs / 1000} s` };
    if (ran.outOfMemory) return { ok: false, error: `it used more than the sandbox's ${sandbox.limits.memoryMb} MB` };
    return { ok: false, error: thrownLine(ran.stderr, `it exited with code ${ran.exitCode ?? 'none'}`) };
  };
}
