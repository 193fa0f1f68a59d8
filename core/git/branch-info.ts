// The record of one branch, `metadata/branches/<NNNNN>/branch.info.json`: what it is based on,
// which commit, who made it and why, and how its checks went. Later stages (build, runtime,
// schema) update `status` and `checks`; the rest never changes once written.
import { z } from 'zod';

export const CHECK_NAMES = ['build', 'typecheck', 'tests', 'routes', 'schema'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

const checkResult = z
  .object({
    status: z.enum(['pending', 'passed', 'failed', 'skipped']),
    at: z.iso.datetime({ offset: true }).optional(),
    detail: z.string().optional(),
  })
  .strict();

export const branchInfoSchema = z
  .object({
    number: z.int().min(1).max(99_999),
    parent: z.int().min(1).max(99_999).nullable(),
    commit: z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-character commit id'),
    createdAt: z.iso.datetime({ offset: true }),
    author: z.enum(['agent', 'user']),
    devRevision: z.int().min(1).max(9_999).nullable(),
    message: z.string(),
    status: z.enum(['created', 'building', 'built', 'build-failed', 'running', 'stopped', 'failed']),
    // Partial: a check added later (routes) is simply absent from the records of older branches.
    checks: z.partialRecord(z.enum(CHECK_NAMES), checkResult),
    /** Set when the shared schema of its database moved on since its copy was made. */
    schemaBehind: z
      .object({ database: z.string(), migration: z.string(), at: z.iso.datetime({ offset: true }) })
      .strict()
      .optional(),
  })
  .strict();

export type BranchInfo = z.infer<typeof branchInfoSchema>;
export type CheckResult = z.infer<typeof checkResult>;
export type BranchStatus = BranchInfo['status'];
export type SchemaBehind = NonNullable<BranchInfo['schemaBehind']>;

export function initialChecks(): BranchInfo['checks'] {
  return Object.fromEntries(CHECK_NAMES.map((name) => [name, { status: 'pending' as const }])) as BranchInfo['checks'];
}

export const changeEntrySchema = z
  .object({
    path: z.string(),
    kind: z.enum(['added', 'modified', 'deleted']),
    linesAdded: z.int().min(0),
    linesRemoved: z.int().min(0),
    binary: z.boolean(),
  })
  .strict();
export type ChangeEntry = z.infer<typeof changeEntrySchema>;
