// Dev revisions: everything from a prompt until its branch is validated, kept as files under a
// codebase's metadata/dev-revisions/ and mirrored in the engine state. The agent writes them;
// the engine lists, resumes and replays them.
export type { ConversationEntry, Revision, RevisionInfo } from './revisions.ts';
export {
  addPrompt,
  addResponse,
  linkRevisionBranch,
  openRevision,
  readRevision,
  recordRole,
  REFINED_FILE,
  revisionNumbers,
  setRevisionStatus,
  writeRefined,
} from './revisions.ts';
export { reindexCodebase } from './reindex.ts';
