// `build`, `run` and `stop`: a branch built (type-check, router, OpenAPI, bundle), started and stopped.
import type { Command } from 'commander';
import { formatBranch } from '../git/index.ts';
import type { Run } from './command.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';
import { BuildFailed, renderBuild, renderRunning } from './render.ts';

export function registerRuntimeCommands(program: Command, run: Run, io: CliIo): void {
  program
    .command('build')
    .description('type-check a branch, generate its router and OpenAPI document, and bundle its server')
    .argument('<codebase>')
    .argument('<branch>')
    .action((codebase: string, number: string) =>
      run(true, async ({ api, json }) => {
        const result = await api.build.run.mutate({ codebase, branch: number });
        printResult(io, json, result, renderBuild);
        if (!result.ok) throw new BuildFailed(result.diagnostics.length + result.problems.length);
      })(),
    );

  program
    .command('run')
    .description("start a branch's process (built first, cached by tree); needs a running `branchyard serve`")
    .argument('<codebase>')
    .argument('<branch>')
    .action((codebase: string, number: string) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.runtime.run.mutate({ codebase, branch: number }), renderRunning),
      )(),
    );
  program
    .command('stop')
    .description("stop a branch's process; the others keep running")
    .argument('<codebase>')
    .argument('<branch>')
    .action((codebase: string, number: string) =>
      run(true, async ({ api, json }) =>
        printResult(
          io,
          json,
          await api.runtime.stop.mutate({ codebase, branch: number }),
          (r) => `Stopped branch ${formatBranch(r.branch)} of ${r.codebase}.`,
        ),
      )(),
    );
}
