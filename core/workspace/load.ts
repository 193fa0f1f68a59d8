// Loads a whole workspace and checks it as one: each file against its schema, then what no
// single file can say (two gateways on one port, a name that points at nothing). Every problem
// is gathered before failing, so one run tells the user everything to fix.
import { readdir } from 'node:fs/promises';
import type { ConfigProblem } from './problems.ts';
import { WorkspaceConfigError } from './problems.ts';
import { readConfigFile } from './config-file.ts';
import type { AiConfig, DatabaseConfig, GatewayConfig, ServersConfig, WorkspaceManifest } from './schemas.ts';
import {
  aiSchema,
  databaseSchema,
  gatewaySchema,
  isValidName,
  manifestSchema,
  NAME_RULE,
  serversSchema,
  urlEnvProblem,
} from './schemas.ts';
import type { WorkspacePaths } from './paths.ts';
import { MANIFEST_FILE, workspacePaths } from './paths.ts';

export interface GatewayEntry {
  name: string;
  /** Relative to the workspace root. */
  file: string;
  config: GatewayConfig;
}

export interface DatabaseEntry {
  name: string;
  file: string;
  config: DatabaseConfig;
}

export interface Workspace {
  paths: WorkspacePaths;
  manifest: WorkspaceManifest;
  servers: ServersConfig;
  ai: AiConfig;
  gateways: GatewayEntry[];
  databases: DatabaseEntry[];
}

export async function loadWorkspace(root: string): Promise<Workspace> {
  const paths = workspacePaths(root);
  const problems: ConfigProblem[] = [];
  const take = <T>(result: { ok: true; value: T } | { ok: false; problems: ConfigProblem[] }): T | undefined => {
    if (result.ok) return result.value;
    problems.push(...result.problems);
    return undefined;
  };

  const manifest = take(await readConfigFile(paths.root, MANIFEST_FILE, manifestSchema));
  const servers = take(await readConfigFile(paths.root, 'servers/config.json', serversSchema));
  const ai = take(await readConfigFile(paths.root, 'ai/config.json', aiSchema));

  const gateways: GatewayEntry[] = [];
  const gatewayFiles = await jsonFilesIn(paths.gatewaysDir);
  // A gateway whose file is broken still exists: references to it are not the problem.
  const gatewayNames = (gatewayFiles ?? []).map((f) => f.slice(0, -'.json'.length)).filter(isValidName);
  if (gatewayFiles === undefined || gatewayFiles.length === 0) {
    problems.push({
      file: 'gateways/',
      field: '',
      reason: 'no gateway: a workspace needs at least one gateways/<name>.json',
    });
  }
  for (const fileName of gatewayFiles ?? []) {
    const name = fileName.slice(0, -'.json'.length);
    const file = `gateways/${fileName}`;
    if (!isValidName(name)) {
      problems.push({ file, field: '', reason: `the file name is the gateway's name and must be ${NAME_RULE}` });
      continue;
    }
    const config = take(await readConfigFile(paths.root, file, gatewaySchema));
    if (config) gateways.push({ name, file, config });
  }

  const databases: DatabaseEntry[] = [];
  for (const name of (await foldersIn(paths.databasesDir)) ?? []) {
    const file = `databases/${name}/config.json`;
    if (!/^db-\d{3}$/.test(name)) {
      problems.push({
        file: `databases/${name}/`,
        field: '',
        reason: 'a database folder is named db-<NNN>, e.g. db-002',
      });
      continue;
    }
    const config = take(await readConfigFile(paths.root, file, databaseSchema));
    const keyProblem = config?.engine === 'postgres' && ai ? urlEnvProblem(config.urlEnv, ai.keyEnv) : undefined;
    if (keyProblem) problems.push({ file, field: 'urlEnv', reason: keyProblem });
    else if (config) databases.push({ name, file, config });
  }

  problems.push(...crossCheck(servers, gateways, gatewayNames));
  if (problems.length > 0 || !manifest || !servers || !ai) throw new WorkspaceConfigError(problems);
  return { paths, manifest, servers, ai, gateways, databases };
}

function crossCheck(
  servers: ServersConfig | undefined,
  gateways: GatewayEntry[],
  gatewayNames: string[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const serverNames = servers ? Object.keys(servers.servers) : undefined;
  // The schema knows these kinds so their fields are checked, but no runtime drives them yet:
  // refused here rather than running that server's branches on this machine without a word.
  for (const [name, server] of Object.entries(servers?.servers ?? {})) {
    if (server.kind !== 'local-docker') {
      problems.push({
        file: 'servers/config.json',
        field: `servers.${name}.kind`,
        reason: `"${server.kind}" servers are not supported yet: branches run only on this machine's Docker engine ("local-docker") for now`,
      });
    }
  }
  if (servers && !serverNames?.includes(servers.defaultServer)) {
    problems.push({
      file: 'servers/config.json',
      field: 'defaultServer',
      reason: `no server named "${servers.defaultServer}" in servers (servers: ${serverNames?.join(', ') || 'none'})`,
    });
  }

  const portOwners = new Map<number, string>();
  for (const gateway of gateways) {
    for (const field of ['port', 'httpPort'] as const) {
      const port = gateway.config[field];
      if (port === null) continue;
      const owner = portOwners.get(port);
      if (owner) problems.push({ file: gateway.file, field, reason: `${port} is already used by ${owner}` });
      else portOwners.set(port, field === 'port' ? gateway.file : `${gateway.file} (httpPort)`);
    }
    const next = gateway.config.promotesTo;
    if (next !== null && !gatewayNames.includes(next)) {
      problems.push({
        file: gateway.file,
        field: 'promotesTo',
        reason: `no gateway named "${next}" (gateways: ${gatewayNames.join(', ')})`,
      });
    }
    if (serverNames && !serverNames.includes(gateway.config.server)) {
      problems.push({
        file: gateway.file,
        field: 'server',
        reason: `no server named "${gateway.config.server}" in servers/config.json (servers: ${serverNames.join(', ')})`,
      });
    }
  }
  problems.push(...promotionCycles(gateways));
  return problems;
}

/** development → staging → production must end somewhere; a loop would promote forever. */
function promotionCycles(gateways: GatewayEntry[]): ConfigProblem[] {
  const next = new Map(gateways.map((g) => [g.name, g.config.promotesTo]));
  const reported = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const start of gateways) {
    const seen: string[] = [];
    let at: string | null | undefined = start.name;
    while (at && !seen.includes(at)) {
      seen.push(at);
      at = next.get(at);
    }
    if (at && at === start.name && !reported.has(at)) {
      seen.forEach((name) => reported.add(name));
      problems.push({
        file: start.file,
        field: 'promotesTo',
        reason: `promotion loops back: ${[...seen, at].join(' → ')}`,
      });
    }
  }
  return problems;
}

async function jsonFilesIn(dir: string): Promise<string[] | undefined> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && e.name.endsWith('.json'))
      .map((e) => e.name)
      .sort();
  } catch {
    return undefined;
  }
}

async function foldersIn(dir: string): Promise<string[] | undefined> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return undefined;
  }
}
