// Token counts with a real BPE tokenizer (o200k_base, the encoding of current OpenAI models; a
// close and stable measure for others): what the agent's context budgets and the logs' file
// sizes are made of. Text that looks like a special token (`<|endoftext|>`) is counted as
// plain text, never refused: it can come from any file or log.
import { countTokens as count, decode, encode } from 'gpt-tokenizer';

const PLAIN = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  return count(text, PLAIN);
}

/** The text cut to at most `max` tokens at a token boundary, and whether it was cut. */
export function cutToTokens(text: string, max: number): { text: string; tokens: number; cut: boolean } {
  const tokens = encode(text, PLAIN);
  if (tokens.length <= max) return { text, tokens: tokens.length, cut: false };
  return { text: decode(tokens.slice(0, Math.max(0, max))), tokens: Math.max(0, max), cut: true };
}
