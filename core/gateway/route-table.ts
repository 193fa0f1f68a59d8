// One gateway's routing, as an immutable snapshot: which host names it answers, and for each
// codebase the branch, its socket and its access rules. A promotion builds a new snapshot and
// swaps one reference, so a request sees either the old table or the new one, never a mix, and
// a request in flight keeps the route it started with.
import type { GatewayConfig } from '../workspace/index.ts';
import type { AccessPolicy } from './access.ts';
import { accessPolicy } from './access.ts';
import { branchHost, codebaseHost, gatewayHost } from './host-names.ts';

export interface CodebaseRoute {
  codebase: string;
  /** null when the gateway names no branch and the codebase has no active branch. */
  branch: number | null;
  socketPath: string | null;
  access: AccessPolicy;
  /** The HTTPS address clients use for this codebase here (for API documents). */
  url: string;
}

export type HostTarget = { kind: 'codebase'; route: CodebaseRoute } | { kind: 'gateway' };

export interface RouteTable {
  gateway: string;
  workspace: string;
  hosts: ReadonlyMap<string, HostTarget>;
  routes: readonly CodebaseRoute[];
  gatewayAccess: AccessPolicy;
  /** The gateway's own name (for its API docs), with the label when hidden. */
  gatewayName: string;
}

export interface RouteTableInput {
  workspace: string;
  gateway: string;
  config: GatewayConfig;
  codebases: ReadonlyArray<{
    name: string;
    domains: readonly string[];
    branch: number | null;
    branches?: readonly number[];
  }>;
  /** The hidden label, needed when the gateway or any codebase on it is hidden. */
  label: string | undefined;
  socketPath: (codebase: string, branch: number) => string;
}

export function buildRouteTable(input: RouteTableInput): RouteTable {
  const realm = `${input.gateway} (${input.workspace})`;
  const gatewayAccess = accessPolicy(input.config.access, undefined, realm);
  const hosts = new Map<string, HostTarget>();
  const routes: CodebaseRoute[] = [];
  const port = input.config.port === 443 ? '' : `:${input.config.port}`;
  const labelFor = (hidden: boolean) => {
    if (!hidden) return undefined;
    if (!input.label) throw new Error(`gateway ${input.gateway} is hidden but has no label`);
    return input.label;
  };

  for (const codebase of input.codebases) {
    const access = accessPolicy(input.config.access, input.config.codebases?.[codebase.name]?.access, realm);
    const label = labelFor(access.hidden);
    const primary = codebaseHost(codebase.name, input.gateway, input.workspace, label);
    const route: CodebaseRoute = {
      codebase: codebase.name,
      branch: codebase.branch,
      socketPath: codebase.branch === null ? null : input.socketPath(codebase.name, codebase.branch),
      access,
      url: `https://${primary}${port}`,
    };
    routes.push(route);
    hosts.set(primary, { kind: 'codebase', route });
    for (const domain of codebase.domains)
      hosts.set(label ? `${label}.${domain}` : domain, { kind: 'codebase', route });
    // Every branch at its own name, with the codebase's access rules here: a preview address
    // that does not depend on which branch the gateway selects.
    if (branchHostsOn(input.config)) {
      for (const branch of codebase.branches ?? []) {
        const name = branchHost(branch, codebase.name, input.gateway, input.workspace, label);
        hosts.set(name, {
          kind: 'codebase',
          route: {
            codebase: codebase.name,
            branch,
            socketPath: input.socketPath(codebase.name, branch),
            access,
            url: `https://${name}${port}`,
          },
        });
      }
    }
  }
  const gatewayName = gatewayHost(input.gateway, input.workspace, labelFor(gatewayAccess.hidden));
  hosts.set(gatewayName, { kind: 'gateway' });
  return { gateway: input.gateway, workspace: input.workspace, hosts, routes, gatewayAccess, gatewayName };
}

/** Whether the gateway gives every branch its own host: by default where it follows the newest branch (development). */
export function branchHostsOn(config: GatewayConfig): boolean {
  return config.branchHosts ?? config.follow === 'newest';
}

/** Whether any rule on this gateway hides names (so a label must exist). */
export function needsLabel(config: GatewayConfig): boolean {
  return Boolean(config.access.hidden) || Object.values(config.codebases ?? {}).some((c) => c.access.hidden === true);
}
