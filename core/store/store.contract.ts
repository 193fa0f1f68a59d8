// The contract every engine-state backend passes (CONVENTIONS.md §7): PGlite and PostgreSQL
// run this same suite, so the engine can move between them without surprises.
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateDb, Store } from './index.ts';
import {
  claimDelivery,
  currentRoutes,
  ensureCodebase,
  ensureGateway,
  issueRevisions,
  linkIssue,
  listActions,
  listAudit,
  listCodebases,
  promote,
  promotionHistory,
  recordAction,
  recordCost,
  spent,
  tables,
} from './index.ts';
import { migrationCount } from './fixtures/old-migrations.ts';

export interface StoreHarness {
  /** Opens the store at this harness's location; may be called again after close. */
  open(): Promise<Store>;
  /**
   * Writes state as an older engine would have: only the first migration applied, then `seed`
   * run as raw SQL statements.
   */
  writeWithOlderSchema(seed: string[]): Promise<void>;
  dispose(): Promise<void>;
}

export function describeStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`engine state contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store | undefined;
    beforeEach(async () => void (harness = await makeHarness()));
    afterEach(async () => {
      await store?.close();
      store = undefined;
      await harness.dispose();
    });

    const open = async () => (store = await harness.open());
    const count = async (db: StateDb, table: string) => {
      // The driver-neutral database type leaves raw results untyped; both drivers return { rows }.
      const result = (await db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as {
        rows: Array<{ n: number }>;
      };
      return Number(result.rows[0]?.n);
    };

    it('brings a new database to the current schema', async () => {
      const { db } = await open();
      for (const table of [
        'codebases',
        'branches',
        'commits',
        'dev_revisions',
        'prompts',
        'responses',
        'changes',
        'agent_actions',
        'cost_ledger',
        'gateways',
        'routes',
        'promotions',
      ]) {
        expect(await count(db, table), table).toBe(0);
      }
      expect(await count(db, 'drizzle.__drizzle_migrations')).toBe(await migrationCount());
    });

    it('keeps what it stored across a close and a reopen, without migrating twice', async () => {
      let { db } = await open();
      const id = await ensureCodebase(db, 'users');
      expect(await ensureCodebase(db, 'users')).toBe(id);
      await recordCost(db, { model: 'm', promptTokens: 10, completionTokens: 5, costMicroUsd: 1234 });
      await store!.close();
      ({ db } = await open());
      expect((await listCodebases(db)).map((c) => c.name)).toEqual(['users']);
      expect(await spent(db, { since: new Date(0) })).toBe(1234);
      expect(await count(db, 'drizzle.__drizzle_migrations')).toBe(await migrationCount());
    });

    it('records a promotion and its route together, remembering where the route came from', async () => {
      const { db } = await open();
      const codebaseId = await ensureCodebase(db, 'users');
      const gatewayId = await ensureGateway(db, { name: 'staging', port: 7444, httpPort: 7081, protected: false });
      expect(await promote(db, { gatewayId, codebaseId, toBranch: 3, actor: 'user' })).toEqual({ from: null, to: 3 });
      expect(await promote(db, { gatewayId, codebaseId, toBranch: 8, actor: 'user' })).toEqual({ from: 3, to: 8 });
      expect(await currentRoutes(db)).toMatchObject([{ gateway: 'staging', codebase: 'users', branch: 8 }]);
      expect((await promotionHistory(db, gatewayId)).map((p) => [p.fromBranch, p.toBranch])).toEqual([
        [3, 8],
        [null, 3],
      ]);
    });

    it('a failure inside a transaction leaves none of its writes', async () => {
      const { db } = await open();
      await expect(
        db.transaction(async (tx) => {
          await ensureCodebase(tx, 'half');
          await recordAction(tx, { actor: 'engine', action: 'test', payload: { step: 1 } });
          // Violates the ledger's non-negative check: the database itself refuses.
          await recordCost(tx, { model: 'm', promptTokens: -1, completionTokens: 0, costMicroUsd: 0 });
        }),
      ).rejects.toThrow();
      expect(await listCodebases(db)).toEqual([]);
      expect(await listActions(db)).toEqual([]);
    });

    it('a promotion to a gateway that does not exist changes nothing', async () => {
      const { db } = await open();
      const codebaseId = await ensureCodebase(db, 'users');
      await expect(promote(db, { gatewayId: 999, codebaseId, toBranch: 1, actor: 'user' })).rejects.toThrow();
      expect(await count(db, 'routes')).toBe(0);
      expect(await count(db, 'promotions')).toBe(0);
    });

    it('sums the cost ledger exactly, per revision and per period', async () => {
      const { db } = await open();
      const codebaseId = await ensureCodebase(db, 'users');
      const [revision] = await db.insert(tables.devRevisions).values({ codebaseId, number: 1 }).returning();
      for (const cost of [1, 2, 300_000_000]) {
        await recordCost(db, {
          devRevisionId: revision!.id,
          model: 'm',
          promptTokens: 1,
          completionTokens: 1,
          costMicroUsd: cost,
        });
      }
      await recordCost(db, { model: 'other', promptTokens: 1, completionTokens: 1, costMicroUsd: 7 });
      expect(await spent(db, { devRevisionId: revision!.id })).toBe(300_000_003);
      expect(await spent(db, { since: new Date(Date.now() - 60_000) })).toBe(300_000_010);
      expect(await spent(db, { since: new Date(Date.now() + 60_000) })).toBe(0);
    });

    it('keeps branch and revision numbers unique per codebase', async () => {
      const { db } = await open();
      const users = await ensureCodebase(db, 'users');
      const billing = await ensureCodebase(db, 'billing');
      const branch = { number: 1, commitId: 'abc', authorKind: 'user' as const };
      await db.insert(tables.branches).values({ ...branch, codebaseId: users });
      await db.insert(tables.branches).values({ ...branch, codebaseId: billing });
      await expect(db.insert(tables.branches).values({ ...branch, codebaseId: users })).rejects.toThrow();
      await expect(db.insert(tables.branches).values({ ...branch, number: 0, codebaseId: users })).rejects.toThrow();
      expect(await count(db, 'branches')).toBe(2);
    });

    it('migrates state written by an older schema and keeps its data', async () => {
      await harness.writeWithOlderSchema([
        `insert into codebases (name) values ('legacy')`,
        `insert into dev_revisions (codebase_id, number, status) select id, 1, 'done' from codebases where name = 'legacy'`,
      ]);
      const { db } = await open();
      expect((await listCodebases(db)).map((c) => c.name)).toEqual(['legacy']);
      expect(await count(db, 'dev_revisions')).toBe(1);
      // Tables of the newer migration exist and work.
      await recordAction(db, { actor: 'engine', action: 'migrated' });
      expect((await listActions(db)).map((a) => a.action)).toEqual(['migrated']);
      expect(await count(db, 'drizzle.__drizzle_migrations')).toBe(await migrationCount());
    });

    it('keeps the audit fields of an action, refuses a replayed delivery and links an issue to its revision', async () => {
      const { db } = await open();
      const codebaseId = await ensureCodebase(db, 'users');
      const [revision] = await db
        .insert(tables.devRevisions)
        .values({ codebaseId, number: 1 })
        .returning({ id: tables.devRevisions.id });
      await recordAction(db, {
        devRevisionId: revision!.id,
        actor: 'agent',
        action: 'tool:read_file',
        role: 'product-owner',
        tool: 'read_file',
        argsDigest: 'sha256:ab',
        outcome: 'ok',
        durationMs: 3,
      });
      await recordAction(db, {
        devRevisionId: revision!.id,
        actor: 'agent',
        action: 'model',
        role: 'developer',
        promptTokens: 10,
        completionTokens: 2,
        costMicroUsd: 7,
      });
      const trail = await listAudit(db, revision!.id);
      expect(trail.map((a) => [a.role, a.tool, a.argsDigest, a.outcome, a.promptTokens, a.costMicroUsd])).toEqual([
        ['product-owner', 'read_file', 'sha256:ab', 'ok', 0, 0],
        ['developer', null, null, null, 10, 7],
      ]);
      expect(await claimDelivery(db, { deliveryId: 'd-1', codebase: 'users', event: 'issues' })).toBe(true);
      expect(await claimDelivery(db, { deliveryId: 'd-1', codebase: 'users', event: 'issues' })).toBe(false);
      await linkIssue(db, {
        devRevisionId: revision!.id,
        codebase: 'users',
        repository: 'acme/api',
        issueNumber: 4,
        author: 'octocat',
      });
      expect((await issueRevisions(db, 'acme/api', 4)).map((r) => [r.revision, r.status, r.author])).toEqual([
        [1, 'open', 'octocat'],
      ]);
    });
  });
}
