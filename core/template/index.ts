// Workspace templates: spawning a workspace from a mother (`init --from`), after the mother's
// test child passes, and keeping the child in step with it (`template diff`, `template pull`)
// by a three-way merge against the mother's files at the version the child last took.
export type { Mother, TemplateFile, TemplateFiles } from './mother.ts';
export { isMotherUrl, readMother } from './mother.ts';
export type { TemplateRecord } from './record.ts';
export { BASE_REF, readRecord, TEMPLATE_RECORD } from './record.ts';
export type { SpawnOptions, SpawnResult } from './spawn.ts';
export { spawnWorkspace } from './spawn.ts';
export type { PullResult, TemplateConflict, TemplateDiff } from './pull.ts';
export { pullTemplate, templateDiff } from './pull.ts';
