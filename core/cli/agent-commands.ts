// `prompt` and `answer`: a dev revision from the command line. The revision runs in the live
// engine; this command shows its progress as it goes (turns, tool calls, checks, spend) and
// ends with its number, status, cost and branch. Leaving early (Ctrl+C) stops only the watching.
import type { Command } from 'commander';
import { usd } from '../agent/index.ts';
import type { EngineEvent } from '../events/index.ts';
import { formatBranch, formatRevision } from '../git/index.ts';
import { loadWorkspace } from '../workspace/index.ts';
import type { CommandContext } from './main.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';
import { AlreadyPrinted } from './render.ts';

type Run = (needsWorkspace: boolean, action: (command: CommandContext) => Promise<void>) => () => Promise<void>;

interface Ended {
  codebase: string;
  revision: number;
  status: string;
  branch: number | null;
  costMicroUsd: number;
  message: string;
  gateways: string[];
}

export function registerAgentCommands(program: Command, run: Run, io: CliIo): void {
  program
    .command('prompt')
    .description('a dev revision: the agent writes the change on a new branch, which is built, run and served by the development gateway')
    .argument('<codebase>')
    .argument('<text>', 'what the codebase should do')
    .option('--from <branch>', 'the branch to start from (default: the newest)')
    .action((codebase: string, text: string, options: { from?: string }) =>
      run(true, async (command) => {
        const apiKey = await keyFromEnv(command.workspaceRoot!);
        const started = await command.api.agent.prompt.mutate({ codebase, text, from: options.from, ...(apiKey ? { apiKey } : {}) });
        if (!command.json) io.stderr(`Dev revision ${formatRevision(started.revision)} of ${codebase}, from branch ${formatBranch(started.parent)}\n`);
        await follow(command, codebase, started.revision);
      })(),
    );

  program
    .command('answer')
    .description('answers the follow-up questions of a dev revision, which then goes on')
    .argument('<codebase>')
    .argument('<revision>', 'its number: 3 or 0003')
    .argument('<text>')
    .action((codebase: string, revision: string, text: string) =>
      run(true, async (command) => {
        const apiKey = await keyFromEnv(command.workspaceRoot!);
        const resumed = await command.api.agent.answer.mutate({ codebase, revision, text, ...(apiKey ? { apiKey } : {}) });
        await follow(command, codebase, resumed.revision);
      })(),
    );

  /** The key in this command's environment, when the engine may lack one. Never printed. */
  async function keyFromEnv(workspaceRoot: string): Promise<string | undefined> {
    const workspace = await loadWorkspace(workspaceRoot);
    return io.env[workspace.ai.keyEnv] || undefined;
  }

  async function follow({ api, json }: CommandContext, codebase: string, revision: number): Promise<void> {
    const ended = await new Promise<Ended>((resolve, reject) => {
      let inText = false;
      const say = (line: string) => {
        if (json) return;
        if (inText) io.stderr('\n');
        inText = false;
        io.stderr(`${line}\n`);
      };
      const subscription = api.agent.watch.subscribe(
        { codebase, revision },
        {
          onData: (event: EngineEvent) => {
            switch (event.type) {
              case 'agent.turn':
                return say(`  turn ${event.payload.turn}/${event.payload.maxTurns}`);
              case 'agent.text':
                if (!json) io.stderr(event.payload.delta);
                inText = true;
                return;
              case 'agent.tool':
                return say(`  ${event.payload.ok ? '•' : '✗'} ${event.payload.tool}${event.payload.path ? ` ${event.payload.path}` : ''}: ${event.payload.summary}`);
              case 'agent.checks':
                return say(`  ${event.payload.passed ? '✓' : '✗'} checks (${event.payload.by}${event.payload.isolation === 'none' ? ', no isolation' : ''}): ${event.payload.summary}`);
              case 'agent.spend':
                return say(`  ${event.payload.promptTokens} + ${event.payload.completionTokens} tokens, ${usd(event.payload.costMicroUsd)}; ${usd(event.payload.revisionMicroUsd)} of ${usd(event.payload.budgetMicroUsd)} spent`);
              case 'agent.retry':
                return say(`  retrying in ${Math.round(event.payload.waitMs / 100) / 10} s (attempt ${event.payload.attempt}): ${event.payload.reason}`);
              case 'progress':
                return say(`  ${event.payload.message}`);
              case 'revision.ended':
                subscription.unsubscribe();
                return resolve(event.payload);
              default:
                return;
            }
          },
          onError: (error) => reject(error),
        },
      );
    });
    const result = { ...ended, revision: formatRevision(ended.revision), branch: ended.branch === null ? null : formatBranch(ended.branch) };
    printResult(io, json, result, (r) =>
      [
        `Dev revision ${r.revision} of ${r.codebase}: ${r.status}`,
        `Cost: ${usd(r.costMicroUsd)}`,
        ...(r.branch ? [`Branch: ${r.branch}${r.gateways.length > 0 ? ` (served by ${r.gateways.join(', ')})` : ''}`] : []),
        ...(r.status === 'needs-answer' ? [`Questions:\n${r.message}`, `Answer with: branchyard answer ${r.codebase} ${r.revision} "<text>"`] : r.status === 'done' ? [] : [r.message]),
      ].join('\n'),
    );
    if (!['done', 'needs-answer'].includes(ended.status)) throw new AlreadyPrinted(`dev revision ${result.revision} ended ${ended.status}`);
  }
}
