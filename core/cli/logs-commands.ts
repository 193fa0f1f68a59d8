// `logs`: a branch's token-sized log files: the list (default), one file, the last N tokens,
// a search, or the lines as they are written.
import type { Command } from 'commander';
import { BranchyardError } from '../errors/index.ts';
import type { CommandContext, Run } from './command.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';
import { AlreadyPrinted } from './render.ts';

interface LogsOptions {
  type?: string;
  list?: boolean;
  chunk?: string;
  tail?: string;
  search?: string;
  follow?: boolean;
}

export function registerLogsCommands(program: Command, run: Run, io: CliIo, untilStopped: () => Promise<void>): void {
  program
    .command('logs')
    .description(
      'the token-sized log files of a branch: pm2 (its output), api-gateway (its requests), ttyd (its terminals)',
    )
    .argument('<codebase>')
    .argument('<branch>')
    .option('--type <type>', 'pm2, ttyd or api-gateway')
    .option('--list', 'the files with their token counts and times (the default)')
    .option('--chunk <file>', 'one file, as it is')
    .option('--tail <tokens>', 'the last N tokens, across files')
    .option('--search <text>', 'lines that hold the text, newest first')
    .option('--follow', 'the lines as they are written (needs `branchyard serve`)')
    .action((codebase: string, branch: string, options: LogsOptions) =>
      run(true, async ({ api, json }) => {
        const chosen = (['chunk', 'tail', 'search', 'follow', 'list'] as const).filter((o) => options[o] !== undefined);
        if (chosen.length > 1) throw new BranchyardError('InvalidInputError', `choose one of --${chosen.join(', --')}`);
        const base = { codebase, branch, type: options.type };
        if (options.chunk !== undefined) {
          const read = await api.logs.read.query({ ...base, file: options.chunk });
          return printResult(io, json, read, (r) => r.text);
        }
        if (options.tail !== undefined) {
          const tokens = Number(options.tail);
          if (!Number.isInteger(tokens) || tokens <= 0)
            throw new BranchyardError(
              'InvalidInputError',
              `--tail ${options.tail}: expected a whole number of tokens above 0`,
            );
          const tail = await api.logs.tail.query({ ...base, tokens });
          return printResult(io, json, tail, (t) => t.text || `(no ${t.type} lines yet)\n`);
        }
        if (options.search !== undefined) {
          const found = await api.logs.search.query({ ...base, query: options.search });
          printResult(io, json, found, (f) =>
            f.matches.length === 0
              ? `nothing matches "${options.search}"\n`
              : f.matches.map((m) => `${m.type}/${m.file}:${m.line}: ${m.text}`).join('\n'),
          );
          if (found.matches.length === 0) throw new AlreadyPrinted('no match');
          return;
        }
        if (options.follow) return follow(api, base, io, json, untilStopped);
        const listed = await api.logs.list.query(base);
        printResult(io, json, listed, (l) =>
          l.files.length === 0
            ? `branch ${branch} of ${codebase} has no logs yet\n`
            : l.files
                .map(
                  (f) =>
                    `${f.type.padEnd(12)} ${f.file.padEnd(30)} ${String(f.tokens).padStart(7)} tokens  ${f.open ? 'open, being written' : `from ${f.startedAt}`}`,
                )
                .join('\n'),
        );
      })(),
    );
}

async function follow(
  api: CommandContext['api'],
  input: { codebase: string; branch: string; type?: string },
  io: CliIo,
  json: boolean,
  untilStopped: () => Promise<void>,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const subscription = api.logs.follow.subscribe(input, {
      onData: (entry: { type: string; line: string }) =>
        io.stdout(json ? `${JSON.stringify(entry)}\n` : `${input.type ? '' : `${entry.type} `}${entry.line}\n`),
      onError: (error) => reject(error),
      onComplete: () => resolve(),
    });
    void untilStopped().then(() => {
      subscription.unsubscribe();
      resolve();
    });
  });
}
