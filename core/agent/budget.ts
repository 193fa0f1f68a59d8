// The limits of a revision: money per revision and per month, turns and minutes. Before each
// call the most it can cost is worked out (the prompt's tokens with a margin for how another
// tokenizer counts, and the output tokens allowed, at the model's prices); when even a short
// answer would pass what is left, the revision stops instead: the budget is never exceeded.
import type { StateDb } from '../store/index.ts';
import { spent } from '../store/index.ts';
import type { AiConfig } from '../workspace/index.ts';

/** The fewest output tokens worth a call; below this the revision stops. */
export const MIN_OUTPUT_TOKENS = 256;

/** micro-USD: a price in USD per million tokens is micro-USD per token. */
export function costMicroUsd(prices: AiConfig['prices'], promptTokens: number, completionTokens: number): number {
  return Math.ceil(promptTokens * prices.inputPerMillionUsd + completionTokens * prices.outputPerMillionUsd);
}

/** Our count of the prompt, raised for tokenizers that count more and for message framing. */
export function promptTokensBound(counted: number, messages: number): number {
  return Math.ceil(counted * 1.15) + messages * 8 + 64;
}

export type BudgetVerdict = { ok: true; maxTokens: number } | { ok: false; reason: string };

export async function checkMoney(options: {
  db: StateDb;
  config: AiConfig;
  revisionId: number;
  promptTokens: number;
  now?: Date;
}): Promise<BudgetVerdict> {
  const { config } = options;
  const now = options.now ?? new Date();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const [revision, month] = await Promise.all([
    spent(options.db, { devRevisionId: options.revisionId }),
    spent(options.db, { since: monthStart }),
  ]);
  const left = Math.min(config.budget.perRevisionUsd * 1e6 - revision, config.budget.perMonthUsd * 1e6 - month);
  const promptCost = costMicroUsd(config.prices, options.promptTokens, 0);
  const perOutput = config.prices.outputPerMillionUsd;
  const affordable = perOutput === 0 ? config.maxOutputTokens : Math.floor((left - promptCost) / perOutput);
  const maxTokens = Math.min(config.maxOutputTokens, affordable);
  if (maxTokens >= Math.min(MIN_OUTPUT_TOKENS, config.maxOutputTokens)) return { ok: true, maxTokens };
  const which =
    config.budget.perRevisionUsd * 1e6 - revision <= config.budget.perMonthUsd * 1e6 - month
      ? `this revision's budget of ${usd(config.budget.perRevisionUsd * 1e6)} (spent ${usd(revision)})`
      : `this month's budget of ${usd(config.budget.perMonthUsd * 1e6)} (spent ${usd(month)})`;
  return {
    ok: false,
    reason: `the next call could cost up to ${usd(promptCost + Math.min(MIN_OUTPUT_TOKENS, config.maxOutputTokens) * perOutput)}, which would pass ${which}`,
  };
}

export function usd(micro: number): string {
  return `$${(micro / 1e6).toFixed(micro < 10_000 ? 4 : 2)}`;
}
