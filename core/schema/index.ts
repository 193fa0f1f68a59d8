// Shared database schemas (`databases/db-<NNN>/`) and the check that keeps them safe: a branch's
// schema copy is turned into a migration, tried on a copy of the database with its data, and
// every other live branch on that database is type-checked against it before it may be applied.
export { applySchema } from './apply.ts';
export { addDatabase } from './add-database.ts';
export type { SchemaCheckOptions } from './check.ts';
export { checkSchema } from './check.ts';
export { DatabaseHost } from './database-host.ts';
export type { SchemaToolOutcome, SchemaToolRunner } from './plan.ts';
export type { SchemaReport } from './report.ts';
export { REPORT_JSON } from './report.ts';
export { readBranchDatabase } from './schema-files.ts';
