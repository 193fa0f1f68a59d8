// Promotion through the engine: the branch is made to run first (built, recorded, started), then
// the gateway routes to it and the live gateways reload.
import { promoteBranch } from '../gateway/index.ts';
import type { BranchRef } from './branch-ref.ts';
import type { Engine } from './engine.ts';

export class GatewayService {
  constructor(private readonly engine: Engine) {}

  async promote(ref: BranchRef, to: { gateway: string; by?: string }) {
    const manager = this.engine.liveGateways();
    const { workspace } = ref;
    return promoteBranch({
      workspace,
      db: await this.engine.parts.state(),
      gateway: to.gateway,
      codebase: ref.name,
      branch: ref.branch,
      actor: 'user',
      by: to.by,
      events: this.engine.events,
      // promoteBranch asks for the branch it was given: the ref already parsed.
      ensureRunning: () => this.engine.branches.ensureRunning(ref),
      apply: () => manager.reload(),
    });
  }
}
