// `revision list|show`: the dev revisions of a codebase, with their prompts, responses, cost and branch,
// and (show) which role said and did what.
import type { Command } from 'commander';
import type { Run } from './command.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';
import { renderRevisionList, renderRevisionShow } from './render.ts';

export function registerRevisionCommands(program: Command, run: Run, io: CliIo): void {
  const revision = program
    .command('revision')
    .description('the dev revisions of a codebase: prompts, responses, cost and branch');
  revision
    .command('list')
    .argument('<codebase>')
    .action((codebase: string) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.revision.list.query({ codebase }), renderRevisionList),
      )(),
    );
  revision
    .command('show')
    .description('its prompts and responses, the roles that took part with their models, refined.md, each step by role')
    .argument('<codebase>')
    .argument('<revision>', 'its number: 3 or 0003')
    .action((codebase: string, number: string) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.revision.show.query({ codebase, revision: number }), renderRevisionShow),
      )(),
    );
}
