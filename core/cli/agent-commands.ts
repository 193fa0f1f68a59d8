// `prompt` and `answer`: a dev revision from the command line. The revision runs in the live
// engine; this command shows its progress as it goes (turns, tool calls, checks, spend) and
// ends with its number, status, cost and branch. Leaving early (Ctrl+C) stops only the watching;
// an engine that goes away ends the command within seconds, saying how to resume the revision.
import type { Command } from 'commander';
import { usd } from '../agent/index.ts';
import type { EngineEvent } from '../events/index.ts';
import { BranchyardError } from '../errors/index.ts';
import { formatBranch, formatRevision } from '../git/index.ts';
import { loadWorkspace } from '../workspace/index.ts';
import type { CommandContext, Run } from './command.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';
import { AlreadyPrinted } from './render.ts';
import { runningServe } from './engine-client.ts';

/** How long a closed connection to the engine may take to come back before the command gives up on it. */
const RECONNECT_GRACE_MS = 4_000;
/** How long, after its heartbeat went missing, a silent engine may take to answer again. */
const SILENCE_GRACE_MS = 30_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's (a recycled pid); only ESRCH means gone.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
    .description(
      'a dev revision: the agent writes the change on a new branch, which is built, run and served by the development gateway',
    )
    .argument('<codebase>')
    .argument('<text>', 'what the codebase should do')
    .option('--from <branch>', 'the branch to start from (default: the newest)')
    .action((codebase: string, text: string, options: { from?: string }) =>
      run(true, async (command) => {
        const apiKey = await keyFromEnv(command.workspaceRoot!);
        const started = await command.api.agent.prompt.mutate({
          codebase,
          text,
          from: options.from,
          ...(apiKey ? { apiKey } : {}),
        });
        if (!command.json)
          io.stderr(
            `Dev revision ${formatRevision(started.revision)} of ${codebase}, from branch ${formatBranch(started.parent)}\n`,
          );
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
        const resumed = await command.api.agent.answer.mutate({
          codebase,
          revision,
          text,
          ...(apiKey ? { apiKey } : {}),
        });
        await follow(command, codebase, resumed.revision);
      })(),
    );

  // Beside `revision list|show`; resuming follows the revision as `prompt` does.
  const revisions = program.commands.find((c) => c.name() === 'revision') ?? program.command('revision');
  revisions
    .command('resume')
    .description('goes on with a revision the engine was stopped in (interrupted), from its last completed turn')
    .argument('<codebase>')
    .argument('<revision>', 'its number: 3 or 0003')
    .action((codebase: string, revision: string) =>
      run(true, async (command) => {
        const apiKey = await keyFromEnv(command.workspaceRoot!);
        const resumed = await command.api.agent.resume.mutate({ codebase, revision, ...(apiKey ? { apiKey } : {}) });
        if (!command.json) io.stderr(`Resuming dev revision ${formatRevision(resumed.revision)} of ${codebase}\n`);
        await follow(command, codebase, resumed.revision);
      })(),
    );
  revisions
    .command('discard')
    .description(
      'drops an interrupted revision (or one waiting for an answer); its prompts, responses and cost stay on record',
    )
    .argument('<codebase>')
    .argument('<revision>', 'its number: 3 or 0003')
    .action((codebase: string, revision: string) =>
      run(true, async ({ api, json }) =>
        printResult(
          io,
          json,
          await api.agent.discard.mutate({ codebase, revision }),
          (r) =>
            `Dev revision ${formatRevision(r.revision)} of ${r.codebase} is discarded; its prompts, responses and cost stay on record.`,
        ),
      )(),
    );

  /** The key in this command's environment, when the engine may lack one. Never printed. */
  async function keyFromEnv(workspaceRoot: string): Promise<string | undefined> {
    const workspace = await loadWorkspace(workspaceRoot);
    return io.env[workspace.ai.keyEnv] || undefined;
  }

  async function follow(
    { api, json, workspaceRoot }: CommandContext,
    codebase: string,
    revision: number,
  ): Promise<void> {
    const serve = await runningServe(workspaceRoot!);
    const ended = await new Promise<Ended>((resolve, reject) => {
      // The engine going away ends the command, saying how to go on: at once when its process is
      // gone, within seconds when its connection closed and does not come back, and after a
      // longer silence when its heartbeat stops (a frozen engine; a busy one misses a few).
      let lost: { since: number; silent: boolean } | undefined;
      const watchdog = setInterval(() => {
        const now = Date.now();
        const stopped =
          (serve !== undefined && !processAlive(serve.pid)) ||
          (lost !== undefined && !lost.silent && now - lost.since > RECONNECT_GRACE_MS);
        const frozen = lost !== undefined && lost.silent && now - lost.since > SILENCE_GRACE_MS;
        if (!stopped && !frozen) return;
        stop();
        const resume = `\`branchyard revision resume ${codebase} ${revision}\``;
        reject(
          new BranchyardError(
            'EngineNotRunningError',
            stopped
              ? `the engine stopped while dev revision ${formatRevision(revision)} of ${codebase} was running; start it again (\`branchyard serve\`) and ${resume}`
              : `the engine stopped answering while dev revision ${formatRevision(revision)} of ${codebase} was running; if it does not come back, stop it, start it again (\`branchyard serve\`) and ${resume}`,
          ),
        );
      }, 250);
      const stop = () => {
        clearInterval(watchdog);
        subscription.unsubscribe();
      };
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
                return say(
                  `  ${event.payload.ok ? '•' : '✗'} ${event.payload.tool}${event.payload.path ? ` ${event.payload.path}` : ''}: ${event.payload.summary}`,
                );
              case 'agent.checks':
                return say(
                  `  ${event.payload.passed ? '✓' : '✗'} checks (${event.payload.by}${event.payload.isolation === 'none' ? ', no isolation' : ''}): ${event.payload.summary}`,
                );
              case 'agent.spend':
                return say(
                  `  ${event.payload.promptTokens} + ${event.payload.completionTokens} tokens, ${usd(event.payload.costMicroUsd)}; ${usd(event.payload.revisionMicroUsd)} of ${usd(event.payload.budgetMicroUsd)} spent`,
                );
              case 'agent.retry':
                return say(
                  `  retrying in ${Math.round(event.payload.waitMs / 100) / 10} s (attempt ${event.payload.attempt}): ${event.payload.reason}`,
                );
              case 'progress':
                return say(`  ${event.payload.message}`);
              case 'revision.ended':
                stop();
                return resolve(event.payload);
              default:
                return;
            }
          },
          onConnectionStateChange: (state) => {
            if (state.state === 'pending') lost = undefined;
            else if (state.state === 'connecting' && state.error) {
              // tRPC reports a missing heartbeat as a timeout; anything else is a closed or refused connection.
              const silent = state.error.message.startsWith('Timeout of');
              lost = silent
                ? (lost ?? { since: Date.now(), silent })
                : { since: lost && !lost.silent ? lost.since : Date.now(), silent };
            }
          },
          onError: (error) => {
            stop();
            reject(error);
          },
        },
      );
    });
    const result = {
      ...ended,
      revision: formatRevision(ended.revision),
      branch: ended.branch === null ? null : formatBranch(ended.branch),
    };
    printResult(io, json, result, (r) =>
      [
        `Dev revision ${r.revision} of ${r.codebase}: ${r.status}`,
        `Cost: ${usd(r.costMicroUsd)}`,
        ...(r.branch
          ? [`Branch: ${r.branch}${r.gateways.length > 0 ? ` (served by ${r.gateways.join(', ')})` : ''}`]
          : []),
        ...(r.status === 'needs-answer'
          ? [`Questions:\n${r.message}`, `Answer with: branchyard answer ${r.codebase} ${r.revision} "<text>"`]
          : r.status === 'done'
            ? []
            : [r.message]),
      ].join('\n'),
    );
    if (!['done', 'needs-answer'].includes(ended.status))
      throw new AlreadyPrinted(`dev revision ${result.revision} ended ${ended.status}`);
  }
}
