// The compatibility check of a branch's schema copy against the branches that use its database,
// and applying a change that passed.
import type { SchemaCheckOptions } from '../schema/index.ts';
import { applySchema, checkSchema } from '../schema/index.ts';
import type { BranchRef } from './branch-ref.ts';
import type { Engine } from './engine.ts';
import { schemaToolInSandbox } from './schema-tool-runner.ts';

export class SchemaService {
  constructor(private readonly engine: Engine) {}

  check(ref: BranchRef) {
    return checkSchema(this.options(ref));
  }

  apply(ref: BranchRef) {
    return applySchema(this.options(ref));
  }

  private options(ref: BranchRef): SchemaCheckOptions {
    const branches = this.engine.branches;
    return {
      workspace: ref.workspace,
      codebase: ref.name,
      branch: ref.branch,
      databases: this.engine.databases(),
      events: this.engine.events,
      runTool: schemaToolInSandbox(() => this.engine.sandbox(ref.workspace)),
      // Without a live engine nothing of ours runs; a runtime that cannot open knows of nothing running.
      running: this.engine.parts.runtime ? async (codebase) => (await branches.online(codebase)) ?? [] : undefined,
    };
  }
}
