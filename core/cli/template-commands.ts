// `template diff` and `template pull`: the workspace's mother (the template `init --from` spawned
// it from), what it changed since the workspace last took it, and taking that as a commit.
import type { Command } from 'commander';
import type { PullResult, TemplateDiff } from '../template/index.ts';
import type { Run } from './command.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';
import { AlreadyPrinted } from './render.ts';

class PullConflicted extends AlreadyPrinted {
  constructor(files: string[]) {
    super(`template pull stopped: ${files.join(', ')} changed here and in the mother; nothing was written`);
  }
}

export function registerTemplateCommands(program: Command, run: Run, io: CliIo): void {
  const template = program
    .command('template')
    .description('the mother this workspace was spawned from (`init --from`): its changes, and taking them');
  template
    .command('diff')
    .description('a unified diff of what the mother changed in its template files since this workspace last took it')
    .action(
      run(true, async ({ api, json }) => printResult(io, json, await api.template.diff.query(), renderTemplateDiff)),
    );
  template
    .command('pull')
    .description(
      "take the mother's changes as one workspace commit; stops, writing nothing, where this workspace changed the same lines",
    )
    .action(
      run(true, async ({ api, json }) => {
        const result = await api.template.pull.mutate();
        printResult(io, json, result, renderPull);
        if (!result.ok) throw new PullConflicted(result.conflicts.map((c) => c.path));
      }),
    );
}

export function renderSpawned(template: { source: string; version: string; checks: string[] }): string {
  const checks = template.checks.length
    ? `its checks passed: ${template.checks.join(', ')}`
    : 'it has no checks of its own';
  return `\nSpawned from ${template.source} at ${template.version}; the test child loaded, and ${checks}.`;
}

export function renderTemplateDiff(diff: TemplateDiff): string {
  if (diff.files.length === 0) return `The mother ${diff.source} has changed nothing since ${diff.from}.`;
  return diff.patch;
}

export function renderPull(result: PullResult): string {
  if (!result.ok) {
    const shown = result.conflicts.map((c) =>
      [`CONFLICT ${c.path}: ${c.reason}`, ...(c.merged === null ? [] : [c.merged])].join('\n'),
    );
    return [
      `Nothing was pulled from ${result.source}: these files changed both here and in the mother.`,
      ...shown,
    ].join('\n\n');
  }
  if (result.commit === null && result.files.every((f) => f.how === 'already-so'))
    return `Up to date with ${result.source} (${result.to}).`;
  const lines = result.files.map((f) => `  ${f.how.padEnd(10)} ${f.path}`);
  return [
    `Took ${result.source} at ${result.to} (was ${result.from})${result.commit ? ` in commit ${result.commit}` : ''}.`,
    ...lines,
  ].join('\n');
}
