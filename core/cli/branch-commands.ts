// `branch …`: reading a codebase's branches (list, show, diff, files, cat) and making one by hand.
import path from 'node:path';
import type { Command } from 'commander';
import type { Run } from './command.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';
import { renderBranchCreated, renderBranchList, renderBranchShow, renderFiles } from './render.ts';

export function registerBranchCommands(program: Command, run: Run, io: CliIo): void {
  const branch = program.command('branch').description('the numbered branches of a codebase');
  branch
    .command('list')
    .description('number, parent, status, dev revision and the gateways that serve each branch')
    .argument('<codebase>')
    .action((codebase: string) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.branch.list.query({ codebase }), renderBranchList),
      )(),
    );
  branch
    .command('show')
    .description("a branch's record, summary and check results")
    .argument('<codebase>')
    .argument('<branch>', 'its number: 7 or 00007')
    .action((codebase: string, number: string) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.branch.show.query({ codebase, branch: number }), renderBranchShow),
      )(),
    );
  branch
    .command('diff')
    .description('the unified diff of a branch, by default against its parent')
    .argument('<codebase>')
    .argument('<branch>')
    .option('--against <branch>', 'compare with this branch instead of the parent')
    .action((codebase: string, number: string, options: { against?: string }) =>
      run(true, async ({ api, json }) =>
        printResult(
          io,
          json,
          await api.branch.diff.query({ codebase, branch: number, against: options.against }),
          (d) => d.patch || '(no changes)\n',
        ),
      )(),
    );
  branch
    .command('files')
    .description('every file of a branch')
    .argument('<codebase>')
    .argument('<branch>')
    .action((codebase: string, number: string) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.branch.tree.query({ codebase, branch: number }), renderFiles),
      )(),
    );
  branch
    .command('cat')
    .description('one file of a branch as it is at that branch')
    .argument('<codebase>')
    .argument('<branch>')
    .argument('<path>')
    .action((codebase: string, number: string, file: string) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.branch.file.query({ codebase, branch: number, path: file }), (f) =>
          f.binary ? `(binary, ${f.size} bytes)` : f.content,
        ),
      )(),
    );
  branch
    .command('new')
    .description(
      'a branch made by hand: the files of <path> laid over --from (deletions listed in <path>/.branchyard-delete)',
    )
    .argument('<codebase>')
    .requiredOption('--dir <path>', 'folder holding the new and changed files')
    .option('--from <branch>', 'the branch it is based on (default: the newest)')
    .option('--message <text>', 'one line saying what the branch is')
    .action((codebase: string, options: { dir: string; from?: string; message?: string }) =>
      run(true, async ({ api, json }) =>
        printResult(
          io,
          json,
          await api.branch.new.mutate({
            codebase,
            dir: path.resolve(io.cwd, options.dir),
            from: options.from,
            message: options.message,
          }),
          renderBranchCreated,
        ),
      )(),
    );
}
