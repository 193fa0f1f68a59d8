// GitHub issues as dev revisions (issue 22): a codebase's connection to a repository
// (codebases/<name>/github.json, secrets from the environment or the OS keychain), the REST
// calls (comments, labels), verified webhooks and polling, and the bridge that turns issues into
// revisions and revisions' questions and results into comments and labels.
export type { GithubConnection } from './connection.ts';
export { connectionFile, connectionSchema, connectRepository, GITHUB_FILE, readConnection } from './connection.ts';
export type { GithubComment, GithubIssue } from './client.ts';
export { IssueClient } from './client.ts';
export type { Handled, IssueBridgeOptions, RevisionEnd, RevisionWorkflow } from './bridge.ts';
export { IssueBridge, OWN_COMMENT_MARK } from './bridge.ts';
export type { WebhookOptions } from './webhook.ts';
export { handleWebhook, MAX_WEBHOOK_BYTES, WEBHOOK_PATH, webhookCodebase } from './webhook.ts';
export { startPolling } from './poller.ts';
export { KEYCHAIN_SERVICE, readSecret } from './secrets.ts';
export { parseIssueRef } from './issue-ref.ts';
