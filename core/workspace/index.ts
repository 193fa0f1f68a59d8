// The workspace: its layout on disk, the schema of every config file, `init` from the
// template, and loading a workspace with every problem named by file and field.
export type { ConfigProblem } from './problems.ts';
export { WorkspaceConfigError, formatProblem } from './problems.ts';
export type {
  AccessConfig,
  AiConfig,
  CodebaseSettings,
  DatabaseConfig,
  GatewayConfig,
  GatewayLimits,
  LogsSettings,
  PromotionRecord,
  ServersConfig,
  WorkspaceManifest,
} from './schemas.ts';
export {
  databaseSchema,
  DEFAULT_KEY_ENV,
  gatewaySchema,
  isCidr,
  isValidName,
  NAME_RULE,
  passwordHashSchema,
  urlEnvProblem,
} from './schemas.ts';
export type { CodebasePaths, WorkspacePaths } from './paths.ts';
export { codebasePaths, MANIFEST_FILE, workspacePaths } from './paths.ts';
export type { DatabaseEntry, GatewayEntry, Workspace } from './load.ts';
export { loadWorkspace } from './load.ts';
export type { ReadResult } from './config-file.ts';
export { readConfigFile } from './config-file.ts';
export { locateWorkspace } from './locate.ts';
export {
  BRANCH_NAME,
  formatBranch,
  formatRevision,
  MAX_BRANCH,
  MAX_REVISION,
  parseBranchNumber,
  parseRevisionNumber,
  REVISION_NAME,
} from './branch-numbers.ts';
export type { InitOptions, InitResult } from './init.ts';
export { assertUsableTarget, ENGINE_AUTHOR, initWorkspace } from './init.ts';
export type { CodebaseSummary } from './codebases.ts';
export {
  CODEBASE_SETTINGS_FILE,
  codebaseNames,
  listCodebaseFolders,
  readActiveBranch,
  readCodebaseSettings,
} from './codebases.ts';
export type { AiSettingsPatch } from './ai-settings.ts';
export { updateAiSettings } from './ai-settings.ts';
export { recentWorkspaces, rememberWorkspace } from './recent.ts';
export { isPortFree } from './gateway-ports.ts';
export { ALLOWED_ROOTS_ENV, allowedFolderRoots, checkFolder } from './folder-roots.ts';
