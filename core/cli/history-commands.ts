// `branch …` and `revision …`: reading a codebase's history and making a branch by hand.
import path from 'node:path';
import type { Command } from 'commander';
import { formatBranch } from '../git/index.ts';
import type { CommandContext } from './main.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';
import { BuildFailed, renderBuild, renderRunning, renderBranchCreated, renderBranchList, renderBranchShow, renderFiles, renderRevisionList, renderRevisionShow } from './render.ts';

type Run = (needsWorkspace: boolean, action: (command: CommandContext) => Promise<void>) => () => Promise<void>;

export function registerHistoryCommands(program: Command, run: Run, io: CliIo): void {
  const branch = program.command('branch').description('the numbered branches of a codebase');
  branch
    .command('list')
    .description('number, parent, status, dev revision and the gateways that serve each branch')
    .argument('<codebase>')
    .action((codebase: string) => run(true, async ({ api, json }) => printResult(io, json, await api.branch.list.query({ codebase }), renderBranchList))());
  branch
    .command('show')
    .description("a branch's record, summary and check results")
    .argument('<codebase>')
    .argument('<branch>', 'its number: 7 or 00007')
    .action((codebase: string, number: string) => run(true, async ({ api, json }) => printResult(io, json, await api.branch.show.query({ codebase, branch: number }), renderBranchShow))());
  branch
    .command('diff')
    .description('the unified diff of a branch, by default against its parent')
    .argument('<codebase>')
    .argument('<branch>')
    .option('--against <branch>', 'compare with this branch instead of the parent')
    .action((codebase: string, number: string, options: { against?: string }) =>
      run(true, async ({ api, json }) => printResult(io, json, await api.branch.diff.query({ codebase, branch: number, against: options.against }), (d) => d.patch || '(no changes)\n'))(),
    );
  branch
    .command('files')
    .description('every file of a branch')
    .argument('<codebase>')
    .argument('<branch>')
    .action((codebase: string, number: string) => run(true, async ({ api, json }) => printResult(io, json, await api.branch.tree.query({ codebase, branch: number }), renderFiles))());
  branch
    .command('cat')
    .description('one file of a branch as it is at that branch')
    .argument('<codebase>')
    .argument('<branch>')
    .argument('<path>')
    .action((codebase: string, number: string, file: string) =>
      run(true, async ({ api, json }) => printResult(io, json, await api.branch.file.query({ codebase, branch: number, path: file }), (f) => (f.binary ? `(binary, ${f.size} bytes)` : f.content)))(),
    );
  branch
    .command('new')
    .description('a branch made by hand: the files of <path> laid over --from (deletions listed in <path>/.branchyard-delete)')
    .argument('<codebase>')
    .requiredOption('--dir <path>', 'folder holding the new and changed files')
    .option('--from <branch>', 'the branch it is based on (default: the newest)')
    .option('--message <text>', 'one line saying what the branch is')
    .action((codebase: string, options: { dir: string; from?: string; message?: string }) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.branch.new.mutate({ codebase, dir: path.resolve(io.cwd, options.dir), from: options.from, message: options.message }), renderBranchCreated),
      )(),
    );

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
    .action((codebase: string, number: string) => run(true, async ({ api, json }) => printResult(io, json, await api.runtime.run.mutate({ codebase, branch: number }), renderRunning))());
  program
    .command('stop')
    .description("stop a branch's process; the others keep running")
    .argument('<codebase>')
    .argument('<branch>')
    .action((codebase: string, number: string) =>
      run(true, async ({ api, json }) => printResult(io, json, await api.runtime.stop.mutate({ codebase, branch: number }), (r) => `Stopped branch ${formatBranch(r.branch)} of ${r.codebase}.`))(),
    );

  const revision = program.command('revision').description('the dev revisions of a codebase: prompts, responses, cost and branch');
  revision
    .command('list')
    .argument('<codebase>')
    .action((codebase: string) => run(true, async ({ api, json }) => printResult(io, json, await api.revision.list.query({ codebase }), renderRevisionList))());
  revision
    .command('show')
    .argument('<codebase>')
    .argument('<revision>', 'its number: 3 or 0003')
    .action((codebase: string, number: string) => run(true, async ({ api, json }) => printResult(io, json, await api.revision.show.query({ codebase, revision: number }), renderRevisionShow))());
}
