// `branchyard doctor`: what this machine and workspace can do, and what each missing piece
// turns off. It never fails on a missing piece: it reports, so the user knows what to install.
import type { Workspace } from '../workspace/index.ts';
import { isPortFree } from '../workspace/index.ts';
import { redactUrl, DATABASE_URL_ENV } from '../store/index.ts';
import { electronBinary, pingDocker, pingPostgres } from './probes.ts';

export type CheckStatus = 'ok' | 'missing' | 'skipped';

export interface DoctorCheck {
  id: 'workspace' | 'docker' | 'postgres' | 'llm' | 'electron' | 'gateway-ports';
  status: CheckStatus;
  detail: string;
  /** What does not work while this is missing. */
  turnsOff?: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorInput {
  /** The loaded workspace, or the error that stopped it loading, or nothing outside a workspace. */
  workspace: { ok: true; value: Workspace } | { ok: false; error: string } | undefined;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** `host:port` addresses the live engine's own gateways listen on: taken, but by us. */
  ownListeners?: ReadonlySet<string>;
}

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const timeoutMs = input.timeoutMs ?? 3000;
  const workspace = input.workspace?.ok ? input.workspace.value : undefined;
  const checks = await Promise.all([
    Promise.resolve(checkWorkspace(input.workspace)),
    checkDocker(workspace, input.env, timeoutMs),
    checkPostgres(input.env, timeoutMs),
    Promise.resolve(checkLlm(workspace, input.env)),
    Promise.resolve(checkElectron(input.env)),
    checkGatewayPorts(workspace, input.ownListeners ?? new Set()),
  ]);
  return { ok: checks.every((c) => c.status !== 'missing'), checks };
}

function checkWorkspace(workspace: DoctorInput['workspace']): DoctorCheck {
  if (!workspace)
    return { id: 'workspace', status: 'skipped', detail: 'not in a workspace; pass --workspace <dir> to check one' };
  if (!workspace.ok)
    return {
      id: 'workspace',
      status: 'missing',
      detail: workspace.error,
      turnsOff: 'everything that reads the workspace until its config is fixed',
    };
  const ws = workspace.value;
  return {
    id: 'workspace',
    status: 'ok',
    detail: `${ws.manifest.name} at ${ws.paths.root}: ${ws.gateways.length} gateways, ${ws.databases.length} databases`,
  };
}

/** A loaded workspace's servers are local ones: loading refuses ssh and remote-docker for now. */
function dockerSocket(workspace: Workspace | undefined, env: NodeJS.ProcessEnv): string {
  const server = workspace?.servers.servers[workspace.servers.defaultServer];
  if (server?.kind === 'local-docker' && server.socket) return server.socket;
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

async function checkDocker(
  workspace: Workspace | undefined,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const socket = dockerSocket(workspace, env);
  const result = await pingDocker(socket, timeoutMs);
  if (result.ok) return { id: 'docker', status: 'ok', detail: `Docker engine ${result.version} at ${socket}` };
  return {
    id: 'docker',
    status: 'missing',
    detail: result.reason,
    turnsOff: 'isolation: branches run with PM2 on the host and agent checks run without a sandbox ("no isolation")',
  };
}

async function checkPostgres(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<DoctorCheck> {
  const url = env[DATABASE_URL_ENV];
  if (!url)
    return {
      id: 'postgres',
      status: 'skipped',
      detail: `${DATABASE_URL_ENV} is not set: engine state uses the embedded PGlite database`,
    };
  const result = await pingPostgres(url, timeoutMs);
  if (result.ok) return { id: 'postgres', status: 'ok', detail: `PostgreSQL ${result.version} at ${redactUrl(url)}` };
  return {
    id: 'postgres',
    status: 'missing',
    detail: `${redactUrl(url)}: ${result.reason}`,
    turnsOff: `the engine cannot start while ${DATABASE_URL_ENV} points at a server it cannot reach`,
  };
}

function checkLlm(workspace: Workspace | undefined, env: NodeJS.ProcessEnv): DoctorCheck {
  const keyEnv = workspace?.ai.keyEnv ?? 'BRANCHYARD_AI_KEY';
  const where = workspace ? `${workspace.ai.model} at ${workspace.ai.baseUrl}` : 'no workspace: endpoint not known';
  // The key's value is never shown, only whether it is there.
  if (env[keyEnv]?.trim()) return { id: 'llm', status: 'ok', detail: `${where}; key set in ${keyEnv}` };
  return {
    id: 'llm',
    status: 'missing',
    detail: `${where}; no key in ${keyEnv}`,
    turnsOff: `prompts: the agent cannot run until ${keyEnv} is set (or the key is saved in the desktop app)`,
  };
}

function checkElectron(env: NodeJS.ProcessEnv): DoctorCheck {
  const result = electronBinary(env);
  if (result.ok) return { id: 'electron', status: 'ok', detail: `Electron at ${result.path}` };
  return {
    id: 'electron',
    status: 'missing',
    detail: result.reason,
    turnsOff: 'the desktop window: `npm start` serves the same UI in a browser instead',
  };
}

async function checkGatewayPorts(workspace: Workspace | undefined, own: ReadonlySet<string>): Promise<DoctorCheck> {
  if (!workspace) return { id: 'gateway-ports', status: 'skipped', detail: 'no workspace: no gateways to check' };
  const taken: string[] = [];
  let ours = 0;
  for (const gateway of workspace.gateways) {
    for (const port of [gateway.config.port, gateway.config.httpPort]) {
      if (port === null) continue;
      const address = `${gateway.config.host}:${port}`;
      if (own.has(address)) ours++;
      else if (!(await isPortFree(gateway.config.host, port))) taken.push(`${address} (${gateway.name})`);
    }
  }
  const names = workspace.gateways.map((g) => `${g.name} ${g.config.port}`).join(', ');
  if (taken.length === 0)
    return { id: 'gateway-ports', status: 'ok', detail: ours > 0 ? `listening: ${names}` : `free: ${names}` };
  return {
    id: 'gateway-ports',
    status: 'missing',
    detail: `in use by another program: ${taken.join(', ')}`,
    turnsOff: 'the gateways on those ports; change their port in gateways/<name>.json',
  };
}

export { electronBinary } from './probes.ts';
