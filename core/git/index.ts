// The git handler: codebases and their code histories, numbered branches written without an
// index or checkout, their records under metadata/branches/, diffs in git's format, and
// recovery after a crash. Dev revisions (metadata/dev-revisions/) are core/revisions.
export type { AddCodebaseOptions, AddedCodebase } from './add-codebase.ts';
export { addCodebase, CODEBASE_TEMPLATE } from './add-codebase.ts';
export type { BranchInfo, BranchStatus, ChangeEntry, CheckName, CheckResult, SchemaBehind } from './branch-info.ts';
export { CHECK_NAMES } from './branch-info.ts';
export { markSchemaBehind, recordChecks } from './branch-checks.ts';
export type { BranchListing, BranchProblem } from './branch-records.ts';
export { listBranchRecords, readBranchInfo, readBranchText, readChanges } from './branch-records.ts';
export type { CodebaseHandle } from './codebase-handle.ts';
export { openCodebase } from './codebase-handle.ts';
export type { BranchStep, CreateBranchOptions, CreatedBranch } from './create-branch.ts';
export { BRANCH_STEPS, createBranch, newestBranch } from './create-branch.ts';
export { DELETE_LIST, readOverlayDir } from './overlay-dir.ts';
// Branch and revision numbers live in core/workspace (logs, on git's floor, spells them too); the
// parts above reach them here, beside the branches they number.
export {
  formatBranch,
  formatRevision,
  MAX_REVISION,
  parseBranchNumber,
  parseRevisionNumber,
  REVISION_NAME,
} from '../workspace/index.ts';
export { removeStaging, stagingFolder } from './staging.ts';
export type { FileDiff } from './patch.ts';
export { fileDiff, isBinary } from './patch.ts';
export type { TreeChange } from './tree-read.ts';
export type { RecoveryReport } from './recover.ts';
export { recoverCodebase } from './recover.ts';
export { commitTree, createBranchRef, openRepository, resolveBranch, writeCommit } from './repository.ts';
export { indexBranch, reindexBranches } from './state-index.ts';
export type { TreeFile } from './tree-read.ts';
export { listTree, readBlob, readFileAt } from './tree-read.ts';
export type { TreeDiff } from './tree-diff.ts';
export { diffBetween } from './tree-diff.ts';
export { commitToWorkspace, committedText } from './workspace-commit.ts';
export type { ChangeSet, FileWrite } from './tree-write.ts';
export { applyChanges } from './tree-write.ts';
