// `gateway …`, `promote` and `ca`: what each gateway routes where, moving a branch between
// them, running one gateway on its own, and the CA to trust for HTTPS.
import type { Command } from 'commander';
import { BranchyardError } from '../errors/index.ts';
import { createEventBus } from '../events/index.ts';
import { runGateway } from '../gateway/index.ts';
import { parseBranchNumber } from '../git/index.ts';
import { workspacePaths } from '../workspace/index.ts';
import type { Run } from './command.ts';
import type { CliIo } from './output.ts';
import { printResult } from './output.ts';
import { renderGateways, renderPromotion, renderPromotions } from './render.ts';

export function registerGatewayCommands(
  program: Command,
  run: Run,
  io: CliIo,
  untilStopped: () => Promise<void>,
): void {
  const gateway = program
    .command('gateway')
    .description('the gateways: routes, promotion history, users, and running one on its own');
  gateway
    .command('list')
    .description('gateways, their ports and host names, and the branch each serves per codebase')
    .action(run(true, async ({ api, json }) => printResult(io, json, await api.gateway.list.query(), renderGateways)));
  gateway
    .command('history')
    .description('promotions, newest first: who, when, from which branch to which')
    .option('--gateway <name>')
    .option('--codebase <name>')
    .action((options: { gateway?: string; codebase?: string }) =>
      run(true, async ({ api, json }) =>
        printResult(io, json, await api.gateway.history.query(options), renderPromotions),
      )(),
    );
  gateway
    .command('password')
    .description('add or change a basic-auth user; the password is read from stdin and only its scrypt hash is stored')
    .argument('<gateway>')
    .argument('<user>')
    .option('--codebase <name>', 'for this codebase only')
    .action((name: string, user: string, options: { codebase?: string }) =>
      run(true, async ({ api, json }) => {
        const password = (await (io.readStdin ?? readStdin)()).replace(/\r?\n$/, '');
        if (!password)
          throw new BranchyardError(
            'InvalidInputError',
            'no password on stdin: pipe it in, e.g. `printf %s "$PASSWORD" | branchyard gateway password production alice`',
          );
        const result = await api.gateway.password.mutate({ gateway: name, user, password, codebase: options.codebase });
        printResult(
          io,
          json,
          result,
          (r) =>
            `User ${user} can now sign in to ${name}${options.codebase ? ` (${options.codebase})` : ''}; its hash is in ${r.file}.`,
        );
      })(),
    );
  gateway
    .command('run')
    .description(
      'one gateway as a process of its own, with its routes from the engine state on PostgreSQL (BRANCHYARD_DATABASE_URL)',
    )
    .argument('<name>')
    .option('--port <n>', 'HTTPS port (default: the gateway file’s)')
    .option('--http-port <n>', 'redirecting HTTP port, or "none"')
    .action((name: string, options: { port?: string; httpPort?: string }) =>
      run(true, async ({ json, workspaceRoot }) => {
        const events = createEventBus();
        events.on('progress', (p) => io.stderr(`  ${p.message}\n`));
        const ports =
          options.port === undefined
            ? undefined
            : {
                port: portOption('--port', options.port),
                httpPort:
                  options.httpPort === undefined || options.httpPort === 'none'
                    ? null
                    : portOption('--http-port', options.httpPort),
              };
        const handle = await runGateway({ paths: workspacePaths(workspaceRoot!), name, env: io.env, events, ports });
        const status = handle.manager.status()[0]!;
        printResult(
          io,
          json,
          { name, port: status.port, httpPort: status.httpPort, hostName: status.hostName },
          (s) =>
            `Gateway ${s.name} listens on ${s.port} (HTTPS)${s.httpPort ? ` and ${s.httpPort} (HTTP, redirects)` : ''}\n(Ctrl+C stops it)`,
        );
        await untilStopped();
        await handle.dispose();
      })(),
    );

  program
    .command('promote')
    .description(
      'route a gateway to a branch with no request dropped; a protected gateway takes only branches whose every check passed',
    )
    .argument('<codebase>')
    .argument('<branch>', 'its number: 7 or 00007')
    .requiredOption('--to <gateway>', 'the gateway to route')
    .action((codebase: string, branch: string, options: { to: string }) =>
      run(true, async ({ api, json }) =>
        printResult(
          io,
          json,
          await api.gateway.promote.mutate({ codebase, branch: parseBranchNumber(branch), gateway: options.to }),
          renderPromotion,
        ),
      )(),
    );

  program
    .command('ca')
    .description("the path of the workspace's local CA certificate, to trust it")
    .action(
      run(true, async ({ api, json }) => printResult(io, json, await api.gateway.ca.query(), (r) => r.certificate)),
    );
}

function portOption(flag: string, text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new BranchyardError('InvalidInputError', `${flag}: expected a number from 1 to 65535, got "${text}"`);
  return port;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
