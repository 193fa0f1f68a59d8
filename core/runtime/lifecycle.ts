// What gateways need of the runtime to let idle branches sleep and wake them on demand: waking
// resumes a branch from the entry it last started with (no build), and only a branch that has
// none is handed to `run` (build and start).
import { isBranchyardError } from '../errors/index.ts';
import type { Pm2Runtime } from './pm2-runtime.ts';

export interface RuntimeLifecycle {
  wake(codebase: string, branch: number): Promise<void>;
  sleep(codebase: string, branch: number): Promise<void>;
  /** Resident memory of each running branch process, by `<codebase>:<n>` (0 when PM2 has not measured it yet). */
  memory(): Promise<ReadonlyMap<string, number>>;
}

export function branchLifecycle(
  runtime: () => Promise<Pm2Runtime>,
  run: (codebase: string, branch: number) => Promise<void>,
): RuntimeLifecycle {
  return {
    async wake(codebase, branch) {
      const opened = await runtime();
      try {
        await opened.resume(codebase, branch);
      } catch (error) {
        if (isBranchyardError(error) && error.kind === 'NotFoundError') return run(codebase, branch);
        throw error;
      }
    },
    async sleep(codebase, branch) {
      await (await runtime()).sleep(codebase, branch);
    },
    async memory() {
      const opened = await runtime();
      const sizes = new Map<string, number>();
      for (const codebase of await opened.codebases()) {
        for (const p of await opened.list(codebase))
          if (p.pid !== null || p.status === 'waking') sizes.set(`${codebase}:${p.branch}`, p.memoryBytes ?? 0);
      }
      return sizes;
    },
  };
}
