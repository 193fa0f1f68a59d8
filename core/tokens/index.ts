// Token counts with a real BPE tokenizer (o200k_base, the encoding of current OpenAI models; a
// close and stable measure for others): what the agent's context budgets and the logs' file
// sizes are made of. Text that looks like a special token (`<|endoftext|>`) is counted as
// plain text, never refused: it can come from any file or log.
import { createRequire } from 'node:module';
import type * as GptTokenizer from 'gpt-tokenizer';

const PLAIN = { disallowedSpecial: new Set<string>() };

// The tokenizer caches merges in a Map it trims one oldest entry at a time once full; on V8 that
// slows every call down the longer it runs (a log ingest ran 5× slower at 50 MB than at 10 MB).
// So the cache is never allowed to fill: it is emptied every CLEAR_EVERY calls instead.
const CLEAR_EVERY = 20_000;
let calls = 0;

// Loaded on the first count: its tables take ~70 MB, and `serve` starts (and may sit idle)
// without counting a token. Its CommonJS build is the same code, and loads synchronously.
let loaded: typeof GptTokenizer | undefined;
function tokenizer(): typeof GptTokenizer {
  if (loaded) return loaded;
  loaded = createRequire(import.meta.url)('gpt-tokenizer') as typeof GptTokenizer;
  loaded.setMergeCacheSize(1_000_000);
  return loaded;
}

export function countTokens(text: string): number {
  const { clearMergeCache, countTokens: count } = tokenizer();
  if (++calls % CLEAR_EVERY === 0) clearMergeCache();
  return count(text, PLAIN);
}

/**
 * The tokens of one log line with its newline, as `countTokens(line + '\n')` counts them, made
 * cheap for lines that repeat most of their words (an access log line differs from the last in
 * its time and duration only). The tokenizer first splits text into pieces by a pattern and
 * counts each piece on its own; in printable ASCII with single spaces, a piece never runs across
 * the point before a space, nor before a '.' between two digits, so the line is cut there and
 * the count of each part is remembered. Other lines are counted whole.
 */
export function countLineTokens(line: string): number {
  // A line's words after its first (its time, mostly) repeat more than the whole: their count
  // is remembered apart, and only the first word is cut up and looked up part by part.
  const space = line.indexOf(' ');
  const tail = space > 0 ? line.slice(space) : undefined;
  if (tail !== undefined) {
    const known = tails.get(tail);
    if (known !== undefined) {
      const head = sumParts(simpleParts(line.slice(0, space)));
      if (head !== undefined) return head + known;
    }
  }
  const parts = simpleParts(line);
  if (!parts) return countTokens(`${line}\n`);
  // The newline can join the piece before it (`)\n` is one): it goes with the last part.
  parts[parts.length - 1] += '\n';
  let total = 0;
  let tailTokens = 0;
  let inTail = false;
  for (const part of parts) {
    const tokens = partTokens(part);
    total += tokens;
    // simpleParts cuts before every space, so the tail is exactly the parts from the first that starts with one.
    inTail ||= part.charCodeAt(0) === 0x20;
    if (inTail) tailTokens += tokens;
  }
  if (tail !== undefined) {
    if (tails.size >= MAX_PARTS) tails.clear();
    tails.set(tail, tailTokens);
  }
  return total;
}

const MAX_PARTS = 50_000;
const partCounts = new Map<string, number>();
/** Tokens of a line's text from its first space on, with the newline: printable and checked. */
const tails = new Map<string, number>();

function partTokens(part: string): number {
  let tokens = partCounts.get(part);
  if (tokens === undefined) {
    if (partCounts.size >= MAX_PARTS) partCounts.clear();
    tokens = countTokens(part);
    partCounts.set(part, tokens);
  }
  return tokens;
}

function sumParts(parts: string[] | undefined): number | undefined {
  if (!parts) return undefined;
  let total = 0;
  for (const part of parts) total += partTokens(part);
  return total;
}

/**
 * The line cut before each space and before each '.' between two digits, or undefined unless it
 * is printable ASCII words with one space between them. One pass: it runs for every log line.
 */
function simpleParts(line: string): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === 0x20) {
      // No space at either end, and never two in a row.
      if (i === 0 || i === line.length - 1 || line.charCodeAt(i - 1) === 0x20) return undefined;
      parts.push(line.slice(start, i));
      start = i;
    } else if (code < 0x21 || code > 0x7e) {
      return undefined;
    } else if (code === 0x2e && i > start && isDigit(line.charCodeAt(i - 1)) && isDigit(line.charCodeAt(i + 1))) {
      parts.push(line.slice(start, i));
      start = i;
    }
  }
  if (line.length === 0) return undefined;
  parts.push(line.slice(start));
  return parts;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The text cut to at most `max` tokens at a token boundary, and whether it was cut. */
export function cutToTokens(text: string, max: number): { text: string; tokens: number; cut: boolean } {
  const { clearMergeCache, decode, encode } = tokenizer();
  if (++calls % CLEAR_EVERY === 0) clearMergeCache();
  const tokens = encode(text, PLAIN);
  if (tokens.length <= max) return { text, tokens: tokens.length, cut: false };
  return { text: decode(tokens.slice(0, Math.max(0, max))), tokens: Math.max(0, max), cut: true };
}
