// Builds: type-check, routes, OpenAPI document and bundle of one branch, written into its record.
import type { BuildResult, DescribeServer } from '../build/index.ts';
import { buildBranch } from '../build/index.ts';
import { describeError } from '../errors/index.ts';
import { recordChecks } from '../git/index.ts';
import type { BranchRef } from './branch-ref.ts';
import { describeInSandbox } from './describe-server.ts';
import type { Engine } from './engine.ts';

export class BuildService {
  constructor(private readonly engine: Engine) {}

  /**
   * @param describe how a new build's server is loaded to read its document: in the sandbox, or
   *   (a run) in the branch's own process, started as the build begins.
   */
  async build(
    ref: BranchRef,
    describe: DescribeServer = describeInSandbox(() => this.engine.sandbox(ref.workspace)),
  ): Promise<BuildResult> {
    return this.record(ref, await buildBranch(ref.codebase, ref.branch, this.engine.events, describe));
  }

  /**
   * Writes the build's outcome into the branch record: typecheck and build checks, and the status.
   * A new build that passed then has its schema checked (the check is quick, and writes nothing
   * but its verdict, when the branch's schema copy is the shared one).
   */
  async record(ref: BranchRef, result: BuildResult): Promise<BuildResult> {
    const at = new Date().toISOString();
    const typecheckFailed = result.diagnostics.length > 0;
    const detail = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
    const recorded = await recordChecks(ref.codebase, ref.branch, {
      status: result.ok ? 'built' : 'build-failed',
      checks: {
        typecheck: typecheckFailed
          ? { status: 'failed', at, detail: detail(result.diagnostics.length, 'diagnostic') }
          : { status: 'passed', at },
        build: result.ok
          ? { status: 'passed', at, detail: detail(result.routes.length, 'route') }
          : typecheckFailed
            ? { status: 'skipped', at, detail: 'the type-check failed' }
            : { status: 'failed', at, detail: detail(result.problems.length, 'problem') },
      },
    });
    const pending = recorded.checks.schema?.status !== 'passed';
    if (result.ok && this.engine.parts.databases && (!result.cached || pending)) {
      try {
        await this.engine.schema.check(ref);
      } catch (error) {
        // The branch still runs on development; a protected gateway will refuse it until a check passes.
        await recordChecks(ref.codebase, ref.branch, {
          checks: {
            schema: {
              status: 'failed',
              at: new Date().toISOString(),
              detail: `the check could not run: ${describeError(error)}`,
            },
          },
        });
      }
    }
    return result;
  }
}
