// Gateways with `follow: newest` (development, by default) move to a newer branch of a codebase
// as soon as it runs with its build and type-check passed: the user tries the newest work there
// while staging and production change only by promotion.
import { describeError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import { openCodebase, readBranchInfo } from '../git/index.ts';
import type { StateDb } from '../store/index.ts';
import type { Workspace } from '../workspace/index.ts';
import type { GatewayManager } from './manager.ts';
import type { PromotionResult } from './promote.ts';
import { promoteBranch } from './promote.ts';

export async function followNewest(options: {
  workspace: Workspace;
  db: StateDb;
  manager: GatewayManager;
  codebase: string;
  branch: number;
  events?: EventBus;
}): Promise<PromotionResult[]> {
  const followers = options.workspace.gateways.filter((g) => g.config.follow === 'newest');
  if (followers.length === 0) return [];
  const info = await readBranchInfo(await openCodebase(options.workspace.paths, options.codebase), options.branch);
  if (info.checks.build?.status !== 'passed' || info.checks.typecheck?.status !== 'passed') return [];
  const done: PromotionResult[] = [];
  for (const gateway of followers) {
    const current = options.manager.routeOf(gateway.name, options.codebase);
    if (current !== null && current >= options.branch) continue;
    try {
      done.push(
        await promoteBranch({
          workspace: options.workspace,
          db: options.db,
          gateway: gateway.name,
          codebase: options.codebase,
          branch: options.branch,
          actor: 'engine',
          by: 'engine (follows newest)',
          events: options.events,
          // It runs: that is why we are here.
          ensureRunning: async () => undefined,
          apply: () => options.manager.reload(),
        }),
      );
    } catch (error) {
      options.events?.emit('progress', {
        task: `follow:${gateway.name}`,
        step: 'skipped',
        message: `${gateway.name} stays where it is: ${describeError(error)}`,
        done: 1,
        total: 1,
      });
    }
  }
  return done;
}
