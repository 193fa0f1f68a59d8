// The agent (DESIGN.md §5): dev revisions from a prompt to a branch, the context it is given,
// the tools it may use, its model client, and the limits it works within.
export type { DevFlowDeps, RevisionOutcome } from './dev-flow.ts';
export { runRevision } from './dev-flow.ts';
export { usd } from './budget.ts';
export type { LlmEndpoint } from './llm/llm-client.ts';
export { LlmClient } from './llm/llm-client.ts';
export { runTool, TOOL_NAMES, TOOLS } from './tools.ts';
export { checkPath, WorkingCopy } from './working-copy.ts';
export type { RouteReport } from './checks/route-checks.ts';
export { describeRouteChecks, runRouteChecks } from './checks/route-checks.ts';
export type { InterruptedRevision } from './recovery.ts';
export { discardRevision, interruptOpenRevisions } from './recovery.ts';
export type { RevisionStep } from './steps.ts';
export { revisionSteps } from './steps.ts';
export type { AuditEntry } from './audit.ts';
export { argsDigest, auditJsonl, revisionAudit } from './audit.ts';
export type { AgentRole, RoleSettings } from './roles.ts';
export { hasProductOwner, ROLE_LABEL, roleSettings } from './roles.ts';
export { PRODUCT_OWNER_TOOLS } from './product-owner.ts';
