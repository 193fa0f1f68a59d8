// The agent's two roles (issue 22): the product owner reads a request with the codebase's
// context and either asks the user or writes the refined request with acceptance points; the
// developer builds from it. Each may have its own model and prices (ai/config.json `roles`),
// defaulting to the workspace's; without `roles.productOwner` the developer works alone.
import type { AgentRole } from '../store/index.ts';
import type { AiConfig } from '../workspace/index.ts';

export type { AgentRole } from '../store/index.ts';

export interface RoleSettings {
  role: AgentRole;
  model: string;
  prices: AiConfig['prices'];
}

export const ROLE_LABEL: Record<AgentRole, string> = { 'product-owner': 'product owner', developer: 'developer' };

export function roleSettings(config: AiConfig, role: AgentRole): RoleSettings {
  const own = role === 'product-owner' ? config.roles?.productOwner : config.roles?.developer;
  return { role, model: own?.model ?? config.model, prices: own?.prices ?? config.prices };
}

/** Whether a product owner reads each request first. */
export function hasProductOwner(config: AiConfig): boolean {
  return config.roles?.productOwner !== undefined;
}
