// The `branchyard` command line: a thin adapter that parses arguments, calls the router and
// prints. Exit status (CLI.md): 0 done, 1 the operation failed, 2 the command line is wrong.
import path from 'node:path';
import { Command, CommanderError } from 'commander';

import { createEventBus } from '../events/index.ts';
import { locateWorkspace } from '../workspace/index.ts';
import { BranchyardError } from '../errors/index.ts';
import { startServe } from '../serve/index.ts';
import type { CliIo } from './output.ts';
import { commandFor, printError, printResult } from './output.ts';
import type { CommandContext } from './command.ts';
import { connectEngine } from './engine-client.ts';
import { prepareEngine } from './engine-loader.ts';
import { registerAgentCommands } from './agent-commands.ts';
import { registerBranchCommands } from './branch-commands.ts';
import { registerGatewayCommands } from './gateway-commands.ts';
import { registerRevisionCommands } from './revision-commands.ts';
import { registerRuntimeCommands } from './runtime-commands.ts';
import { registerLogsCommands } from './logs-commands.ts';
import { registerSchemaCommands } from './schema-commands.ts';
import { registerTemplateCommands, renderSpawned } from './template-commands.ts';
import { registerIssueCommands } from './issue-commands.ts';
import { isMotherUrl } from '../template/index.ts';
import { AlreadyPrinted, renderCodebaseAdded, renderCodebases, renderDoctor, renderInit } from './render.ts';

interface GlobalOptions {
  workspace?: string;
  json?: boolean;
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command('branchyard')
    .description('Branchyard: build API services by chatting with an AI agent, one numbered branch per prompt.')
    .option(
      '--workspace <dir>',
      'the workspace (default: the nearest folder at or above this one holding branchyard.json)',
    )
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .showHelpAfterError('(run branchyard --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    // Commander has parsed the command line and is about to act: only now is the engine loaded.
    .hook('preAction', () => prepareEngine());

  const global = (): GlobalOptions => program.opts<GlobalOptions>();

  /** Runs one command: builds the engine context, calls, prints, and sets the exit status. */
  const run = (needsWorkspace: boolean, action: (command: CommandContext) => Promise<void>) => async () => {
    const { json = false, workspace } = global();
    const events = createEventBus();
    if (!json)
      events.on('progress', (p) =>
        io.stderr(
          `  ${p.total ? `[${Math.min((p.done ?? 0) + 1, p.total)}/${p.total}] ` : ''}${p.message}${p.hint ? commandFor(p.hint) : ''}\n`,
        ),
      );
    // A wait for another command is said even with --json: stdout keeps the one document.
    else events.on('progress', (p) => p.task === 'state' && p.step === 'wait' && io.stderr(`  ${p.message}\n`));
    try {
      const workspaceRoot = needsWorkspace
        ? await locateWorkspace({ explicit: workspace, cwd: io.cwd })
        : workspace
          ? path.resolve(io.cwd, workspace)
          : await locateWorkspace({ cwd: io.cwd }).catch(() => undefined);
      const engine = await connectEngine({ workspaceRoot, env: io.env, events });
      try {
        await action({ api: engine.client, json, workspaceRoot, events });
      } finally {
        await engine.dispose();
      }
    } catch (error) {
      // A failed build or revision already printed its result (one JSON document with --json); only say so.
      if (error instanceof AlreadyPrinted) io.stderr(`branchyard: ${error.message}\n`);
      else printError(io, json, error);
      exitCode = 1;
    }
  };

  program
    .command('init')
    .description('create a new workspace from the template; refuses a folder that is not empty')
    .argument('<dir>', 'the new workspace folder')
    .option('--name <name>', 'workspace name (default: the folder name)')
    .option(
      '--from <template>',
      'spawn from a mother: a template folder, a bare git repository, or a file:// or http(s):// git URL',
    )
    .action((dir: string, options: { name?: string; from?: string }) =>
      run(false, async ({ api, json }) => {
        // A URL is the mother's own name; anything else is a folder, named from here.
        const from =
          options.from === undefined || isMotherUrl(options.from) ? options.from : path.resolve(io.cwd, options.from);
        const result = await api.workspace.init.mutate({ dir: path.resolve(io.cwd, dir), name: options.name, from });
        printResult(io, json, result, (r) => renderInit(r) + (r.template ? renderSpawned(r.template) : ''));
      })(),
    );

  program
    .command('doctor')
    .description(
      'what is available (Docker, PostgreSQL, LLM, Electron, gateway ports) and what each missing piece turns off',
    )
    .action(run(false, async ({ api, json }) => printResult(io, json, await api.doctor.run.query(), renderDoctor)));

  const codebase = program.command('codebase').description('the codebases of the workspace');
  codebase
    .command('list')
    .description('codebases with their newest and active branches')
    .action(
      run(true, async ({ api, json }) => printResult(io, json, await api.codebase.list.query(), renderCodebases)),
    );
  codebase
    .command('add')
    .description('a new codebase whose branch 00001 is the boilerplate with an example feature')
    .argument('<name>', 'lowercase letters, digits and dashes, starting with a letter')
    .option('--role <text>', 'what the codebase is for, written into its readme.md')
    .action((name: string, options: { role?: string }) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.codebase.add.mutate({ name, role: options.role }), renderCodebaseAdded),
      )(),
    );

  registerBranchCommands(program, run, io);
  registerRuntimeCommands(program, run, io);
  registerRevisionCommands(program, run, io);
  registerGatewayCommands(program, run, io, untilStopped);
  registerAgentCommands(program, run, io);
  registerLogsCommands(program, run, io, untilStopped);
  registerSchemaCommands(program, run, io);
  registerTemplateCommands(program, run, io);
  registerIssueCommands(program, run, io);

  program
    .command('serve')
    .description('the engine and the UI over HTTP on 127.0.0.1; prints the UI address with its access token')
    .option('--port <n>', 'port to listen on (0: any free port)', '7400')
    .option('--keep-running', 'leave branch containers running after serve exits')
    .option('--no-autostart', 'do not start the branches the gateways route to')
    .action((options: { port: string; keepRunning?: boolean; autostart: boolean }) =>
      run(true, async ({ json, workspaceRoot, events }) => {
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new BranchyardError(
            'InvalidInputError',
            `--port: expected a number from 0 to 65535, got "${options.port}"`,
          );
        const handle = await startServe({
          workspaceRoot: workspaceRoot!,
          events,
          env: io.env,
          port,
          keepRunning: options.keepRunning,
          autostart: options.autostart,
        });
        const ready = { url: handle.url, loginUrl: handle.loginUrl, port: handle.port, state: handle.store.kind };
        printResult(
          io,
          json,
          ready,
          (r) => `Branchyard is serving ${workspaceRoot}\nOpen ${r.loginUrl}\n(Ctrl+C stops it)`,
        );
        await untilStopped();
        await handle.dispose();
      })(),
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const helpShown =
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version';
      return helpShown ? 0 : 2;
    }
    throw error;
  }
  return exitCode;
}

/** Resolves on Ctrl+C or a termination signal, so the caller can shut down cleanly. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
  };
}
