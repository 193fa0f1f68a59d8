// Gateways: how clients reach branches. One HTTPS listener per gateway file with host-based
// routing to branch sockets, certificates from the workspace's own CA, IP lists, hidden names and
// basic auth, merged API docs, and promotion that switches a route without failing a request.
export { followNewest } from './follow.ts';
export { branchHost, codebaseHost, gatewayHost, hiddenLabel } from './host-names.ts';
export type { CaFiles } from './local-ca.ts';
export { caFiles, LocalCa } from './local-ca.ts';
export type { GatewayManagerOptions, GatewayStatus, RouteSource } from './manager.ts';
export { DEFAULT_IDLE_MINUTES, describeGateways, GatewayManager } from './manager.ts';
export type { BranchLifecycle, BranchState, WakeFailure } from './wakeups.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export { setGatewayPassword } from './passwords-file.ts';
export type { PromoteOptions, PromotionResult } from './promote.ts';
export { promoteBranch } from './promote.ts';
export type { RunGatewayOptions } from './run-gateway.ts';
export { runGateway } from './run-gateway.ts';
export { stateRouteSource, syncRoutesFromFiles } from './state-routes.ts';
export type { RecoveredPromotions } from './recover-promotions.ts';
export { recoverPromotions } from './recover-promotions.ts';
