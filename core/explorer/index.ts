// The API explorer's engine side: a gateway's merged OpenAPI document and the try-it calls made
// against it, both sent by the engine (which trusts the workspace CA) to our own gateways only.
import type { GatewayStatus } from '../gateway/index.ts';
import { BranchyardError } from '../errors/index.ts';
import type { CallOptions, GatewayTarget } from './gateway-call.ts';
import { callGateway } from './gateway-call.ts';

export type { CallOptions, ExplorerRequest, ExplorerResponse, GatewayTarget } from './gateway-call.ts';
export { callGateway, targetOf } from './gateway-call.ts';

/** Every name a listening gateway answers to: its own and each codebase's (as the listing shows them). */
export function explorerTargets(gateways: GatewayStatus[]): GatewayTarget[] {
  return gateways
    .filter((g) => g.listening)
    .map((g) => ({
      gateway: g.name,
      port: g.port,
      names: [
        ...new Set(
          [g.hostName, ...g.routes.flatMap((r) => [...r.hosts, new URL(r.url).hostname])].map((n) => n.toLowerCase()),
        ),
      ],
    }));
}

/** The address of a gateway's merged document (every codebase it routes), as the gateway serves it. */
export function documentUrl(gateways: GatewayStatus[], gateway: string): string {
  const status = gateways.find((g) => g.name === gateway);
  if (!status) throw new BranchyardError('NotFoundError', `there is no gateway named ${gateway}`);
  if (!status.listening)
    throw new BranchyardError(
      'GatewayError',
      `the ${gateway} gateway is not listening${status.error ? `: ${status.error}` : ''}`,
    );
  return `https://${status.hostName}${status.port === 443 ? '' : `:${status.port}`}/_branchyard/openapi.json`;
}

/** The merged OpenAPI document of a gateway, parsed. */
export async function gatewayDocument(options: CallOptions, url: string): Promise<Record<string, unknown>> {
  const answer = await callGateway(options, { url, method: 'GET', headers: { accept: 'application/json' } });
  if (answer.status !== 200)
    throw new BranchyardError(
      'GatewayError',
      `the gateway answered ${answer.status} for its API document: ${answer.body.slice(0, 300)}`,
    );
  try {
    return JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    throw new BranchyardError('GatewayError', 'the gateway sent an API document that is not JSON');
  }
}
