// Token counts with a real BPE tokenizer (o200k_base, the encoding of current OpenAI models; a
// close and stable measure for others): what the agent's context budgets and the logs' file
// sizes are made of. Text that looks like a special token (`<|endoftext|>`) is counted as
// plain text, never refused: it can come from any file or log.
import { clearMergeCache, countTokens as count, decode, encode, setMergeCacheSize } from 'gpt-tokenizer';

const PLAIN = { disallowedSpecial: new Set<string>() };

// The tokenizer caches merges in a Map it trims one oldest entry at a time once full; on V8 that
// slows every call down the longer it runs (a log ingest ran 5× slower at 50 MB than at 10 MB).
// So the cache is never allowed to fill: it is emptied every CLEAR_EVERY calls instead.
const CLEAR_EVERY = 20_000;
setMergeCacheSize(1_000_000);
let calls = 0;

export function countTokens(text: string): number {
  if (++calls % CLEAR_EVERY === 0) clearMergeCache();
  return count(text, PLAIN);
}

/** The text cut to at most `max` tokens at a token boundary, and whether it was cut. */
export function cutToTokens(text: string, max: number): { text: string; tokens: number; cut: boolean } {
  if (++calls % CLEAR_EVERY === 0) clearMergeCache();
  const tokens = encode(text, PLAIN);
  if (tokens.length <= max) return { text, tokens: tokens.length, cut: false };
  return { text: decode(tokens.slice(0, Math.max(0, max))), tokens: Math.max(0, max), cut: true };
}
