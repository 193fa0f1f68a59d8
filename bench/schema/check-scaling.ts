// Benchmark (issue 8): how the schema check grows with the number of live branches on the
// database. A users table is applied to the embedded database (real PGlite) with 1,000 rows,
// and a proposal adds a column; the check then runs with 1, 10 and 30 other live branches, each
// a branch of its own whose code reads the table. The reference, measured in the same run: one
// of those branches type-checked alone by a fresh compiler, the unit of work the check repeats
// per branch. The plan (drizzle-kit's migration) is made once before timing and kept by the
// content of both schemas, as it is in use; the dry-run runs every time.
//   node --import tsx bench/schema/check-scaling.ts [--runs 3]
import path from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { checkoutBranch, compilerOptions } from '../../core/build/index.ts';
import {
  schemaWorkspace,
  USERS_TABLE,
  usersTable,
  withUsersTable,
} from '../../core/schema/fixtures/schema-workspace.ts';
import { checkSchema } from '../../core/schema/index.ts';
import { loadWorkspace } from '../../core/workspace/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const SIZES = [1, 10, 30];

const reader = (i: number) => `import { eq } from 'drizzle-orm';
import { users } from '../../../schema/models/users.ts';

/** Feature ${i}: what its queries select. */
export const selection${i} = { id: users.id, name: users.name, email: users.email };
export const byId${i} = (id: number) => eq(users.id, id + ${i});
`;

const ws = await schemaWorkspace();
try {
  await withUsersTable(ws);
  await ws.sql(
    `INSERT INTO users (id, name, email) SELECT g, 'user ' || g, 'u' || g || '@example.test' FROM generate_series(3, 1000) AS g`,
  );
  const live: number[] = [];
  for (let i = 0; i < Math.max(...SIZES); i++)
    live.push(await ws.propose(USERS_TABLE, { extra: { [`src/features/f${i}/queries/f${i}-queries.ts`]: reader(i) } }));
  const proposal = await ws.propose(usersTable({ column: null, line: "nickname: text('nickname')," }));
  const workspace = await loadWorkspace(ws.root);
  // No gateway serves these; they are given to the check as running, which is how it learns of them in `serve`.
  const check = (count: number) =>
    checkSchema({
      workspace,
      codebase: 'users',
      branch: proposal,
      databases: ws.databases,
      running: async () => live.slice(0, count),
    });
  await check(1); // plan made and kept, checkouts of the branches written

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const timed = async (work: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const started = performance.now();
      await work();
      times.push(performance.now() - started);
    }
    return median(times);
  };
  for (const n of SIZES) await Promise.all(live.slice(0, n).map((b) => checkoutBranch(ws.codebase, b)));

  const reference = await timed(async () => {
    const checkout = await checkoutBranch(ws.codebase, live[0]!);
    const roots = checkout.files
      .filter((f) => f.startsWith('src/') && f.endsWith('.ts'))
      .map((f) => path.join(checkout.dir, f));
    const program = ts.createProgram({
      rootNames: roots,
      options: { ...compilerOptions(), typeRoots: [path.join(checkout.dir, 'node_modules', '@types')] },
    });
    if (ts.getPreEmitDiagnostics(program).length > 0) throw new Error('the reference branch does not type-check');
  });

  console.log(
    `bench/schema: the schema check of one proposal (ADD COLUMN) against N live branches, db-001 (PGlite) with 1000 rows, median of ${runs}`,
  );
  console.log(
    `  reference: one live branch type-checked alone by a fresh compiler   ${reference.toFixed(0).padStart(6)} ms`,
  );
  let previous: { n: number; ms: number } | undefined;
  for (const n of SIZES) {
    let report: Awaited<ReturnType<typeof check>>['report'] | undefined;
    const ms = await timed(async () => {
      report = (await check(n)).report;
    });
    if (report?.status !== 'passed' || report.branches.length !== n + 1)
      throw new Error(`the check of ${n} branches did not pass over all of them: ${JSON.stringify(report?.problems)}`);
    const growth = previous
      ? `   +${((ms - previous.ms) / (n - previous.n)).toFixed(0)} ms per added branch (${((ms - previous.ms) / (n - previous.n) / reference).toFixed(2)} × reference)`
      : '';
    // The codebase's active branch is served by every gateway, so it is checked as well: n + 1.
    console.log(
      `  check, ${String(n).padStart(2)} live branches (+1 served)   ${ms.toFixed(0).padStart(6)} ms   ${(ms / reference).toFixed(2)} × reference${growth}`,
    );
    previous = { n, ms };
  }
} finally {
  await ws.dispose();
}
