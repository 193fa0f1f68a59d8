// The money check against a real (embedded PGlite) ledger.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.ts';
import { openStore, recordCost, upsertRevision } from '../store/index.ts';
import { tempDir } from '../testing/index.ts';
import type { AiConfig } from '../workspace/index.ts';
import { checkMoney, costMicroUsd, MIN_OUTPUT_TOKENS, promptTokensBound, usd } from './budget.ts';

const config = (overrides: Partial<AiConfig> = {}): AiConfig => ({
  provider: 'test',
  baseUrl: 'http://127.0.0.1:1/v1',
  model: 'm',
  keyEnv: 'BRANCHYARD_AI_KEY',
  prices: { inputPerMillionUsd: 3, outputPerMillionUsd: 15 },
  maxOutputTokens: 4000,
  budget: { perRevisionUsd: 1, perMonthUsd: 50, maxTurns: 40, maxMinutes: 20 },
  context: { globalTokens: 1000, codebaseTokens: 1000, branchTokens: 1000 },
  ...overrides,
});

describe('costs', () => {
  it('prices tokens in micro-USD, rounding up', () => {
    expect(costMicroUsd({ inputPerMillionUsd: 3, outputPerMillionUsd: 15 }, 1000, 100)).toBe(4500);
    expect(costMicroUsd({ inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 }, 1, 1)).toBe(1);
    expect(costMicroUsd({ inputPerMillionUsd: 0, outputPerMillionUsd: 0 }, 10_000, 10_000)).toBe(0);
  });

  it('bounds the prompt above our own count, for other tokenizers and message framing', () => {
    expect(promptTokensBound(1000, 2)).toBeGreaterThan(1000 * 1.15);
    expect(promptTokensBound(0, 0)).toBeGreaterThan(0);
  });

  it('shows small amounts to the hundredth of a cent', () => {
    expect(usd(4500)).toBe('$0.0045');
    expect(usd(1_234_567)).toBe('$1.23');
  });
});

describe('checkMoney', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: Store;
  let revision = 0;
  const newRevision = async () =>
    upsertRevision(store.db, {
      codebase: 'users',
      number: ++revision,
      status: 'open',
      parentBranch: 1,
      branchNumber: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
  const spend = (devRevisionId: number | null, micro: number) =>
    recordCost(store.db, { devRevisionId, model: 'm', promptTokens: 0, completionTokens: 0, costMicroUsd: micro });

  beforeAll(async () => {
    dir = await tempDir();
    store = await openStore({ stateDir: path.join(dir.path, 'state'), databaseUrl: '' });
  });
  afterAll(async () => {
    await store?.close();
    await dir?.dispose();
  });

  it('allows the full output when the budget has room', async () => {
    const id = await newRevision();
    expect(await checkMoney({ db: store.db, config: config(), revisionId: id, promptTokens: 10_000 })).toEqual({
      ok: true,
      maxTokens: 4000,
    });
  });

  it('lowers max_tokens to what the revision has left, so the worst case lands on the cap', async () => {
    const id = await newRevision();
    await spend(id, 900_000);
    // Left: 100 000; the prompt costs 30 000; 70 000 / 15 = 4666 tokens would fit, 4000 is the most.
    expect(await checkMoney({ db: store.db, config: config(), revisionId: id, promptTokens: 10_000 })).toEqual({
      ok: true,
      maxTokens: 4000,
    });
    await spend(id, 50_000);
    // Left: 50 000; after the prompt 20 000, which buys 1333 tokens.
    const verdict = await checkMoney({ db: store.db, config: config(), revisionId: id, promptTokens: 10_000 });
    expect(verdict).toEqual({ ok: true, maxTokens: 1333 });
    expect(950_000 + costMicroUsd(config().prices, 10_000, 1333)).toBeLessThanOrEqual(1_000_000);
  });

  it('stops when even the shortest useful answer would pass the revision budget, naming it', async () => {
    const id = await newRevision();
    await spend(id, 1_000_000 - 30_000 - MIN_OUTPUT_TOKENS * 15 + 1);
    const verdict = await checkMoney({ db: store.db, config: config(), revisionId: id, promptTokens: 10_000 });
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(/would pass this revision's budget of \$1\.00 \(spent \$0\.97\)/);
  });

  it("counts this month's spending across revisions, and not last month's", async () => {
    const monthly = config({ budget: { perRevisionUsd: 1, perMonthUsd: 2, maxTurns: 40, maxMinutes: 20 } });
    const id = await newRevision();
    const before = await checkMoney({ db: store.db, config: monthly, revisionId: id, promptTokens: 1000 });
    expect(before.ok).toBe(true);
    // The earlier tests spent $1.92 this month; another $0.08 leaves too little for a call.
    await spend(null, 80_000);
    const verdict = await checkMoney({
      db: store.db,
      config: monthly,
      revisionId: await newRevision(),
      promptTokens: 1000,
    });
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(/this month's budget of \$2\.00/);
    const nextMonth = new Date();
    nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1, 1);
    expect(
      await checkMoney({ db: store.db, config: monthly, revisionId: id, promptTokens: 1000, now: nextMonth }),
    ).toEqual({ ok: true, maxTokens: 4000 });
  });

  it('with free output, allows the configured maximum', async () => {
    const free = config({ prices: { inputPerMillionUsd: 0, outputPerMillionUsd: 0 } });
    expect(
      await checkMoney({ db: store.db, config: free, revisionId: await newRevision(), promptTokens: 1_000_000 }),
    ).toEqual({ ok: true, maxTokens: 4000 });
  });
});
