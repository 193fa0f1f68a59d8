// Shared database schemas (`databases/db-<NNN>/`) and the check that keeps them safe: a branch's
// schema copy is turned into a migration, tried on a copy of the database with its data, and
// every other live branch on that database is type-checked against it before it may be applied.
export type { AppliedSchema } from './apply.ts';
export { applySchema } from './apply.ts';
export { addDatabase } from './add-database.ts';
export type { SchemaCheck, SchemaCheckOptions } from './check.ts';
export { checkSchema } from './check.ts';
export type { DatabaseHostOptions, DryRunKind, OpenDatabase, SqlSession } from './database-host.ts';
export { databaseSocketsDir, DatabaseHost } from './database-host.ts';
export type { CheckedBranch, SchemaProblem, SchemaReport } from './report.ts';
export { REPORT_JSON, REPORT_MARKDOWN } from './report.ts';
export { BRANCH_SCHEMA_DIR, databaseNamed, DB_CONFIG_FILE, readBranchSchema, readSharedSchema, sameSchema } from './schema-files.ts';
export { SOCKET_FILE } from './wire-server.ts';
