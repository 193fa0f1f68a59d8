// One model call at a time against any OpenAI-compatible endpoint, streamed. The openai
// package's own retries are off: ours honour Retry-After, retry a stream cut mid-way, and ask
// the budget before every attempt (an attempt can cost money even when it fails).
import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { BranchyardError } from '../../errors/index.ts';

export type {
  ChatCompletionMessageParam as LlmMessage,
  ChatCompletionTool as LlmTool,
} from 'openai/resources/chat/completions';

export interface LlmToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface LlmReply {
  content: string;
  toolCalls: LlmToolCall[];
  finishReason: string;
  usage: LlmUsage | null;
}

export interface LlmCall {
  messages: ChatCompletionMessageParam[];
  tools: ChatCompletionTool[];
  signal: AbortSignal;
  /** Runs before every attempt and says how many output tokens it may use (what the budget has left can change between attempts); throws to stop. */
  beforeAttempt: (attempt: number) => Promise<number>;
  /** An attempt that was cut off after output began: what it produced, to put on the ledger. */
  onPartial: (partial: { completionText: string }) => Promise<void>;
  onText?: (delta: string) => void;
  onRetry?: (retry: { attempt: number; waitMs: number; reason: string }) => void;
}

export interface LlmEndpoint {
  provider: string;
  baseUrl: string;
  model: string;
  apiKey: string;
  maxAttempts?: number;
  /** Longest single wait between attempts. */
  maxWaitMs?: number;
  /** Longest time one attempt may take, from request to the last chunk. */
  attemptTimeoutMs?: number;
}

const RETRYABLE = new Set([408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529]);

export class LlmClient {
  private readonly client: OpenAI;

  constructor(private readonly endpoint: LlmEndpoint) {
    const openRouter =
      endpoint.provider === 'openrouter' || /(^|\.)openrouter\.ai$/.test(new URL(endpoint.baseUrl).hostname);
    this.client = new OpenAI({
      baseURL: endpoint.baseUrl,
      apiKey: endpoint.apiKey,
      maxRetries: 0,
      timeout: endpoint.attemptTimeoutMs ?? 300_000,
      // OpenRouter's attribution headers (openrouter.ai/docs/api-reference/overview).
      defaultHeaders: openRouter
        ? { 'HTTP-Referer': 'https://github.com/branchyard/branchyard', 'X-Title': 'Branchyard' }
        : {},
    });
  }

  get model(): string {
    return this.endpoint.model;
  }

  /** The same endpoint and key with another model: each agent role may use its own. */
  withModel(model: string): LlmClient {
    return model === this.endpoint.model ? this : new LlmClient({ ...this.endpoint, model });
  }

  async complete(call: LlmCall): Promise<LlmReply> {
    const maxAttempts = this.endpoint.maxAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      const maxTokens = await call.beforeAttempt(attempt);
      const outcome = await this.attempt(call, maxTokens);
      if (outcome.reply) return outcome.reply;
      if (outcome.partialText) await call.onPartial({ completionText: outcome.partialText });
      const failure = outcome.failure!;
      if (!failure.retry || attempt >= maxAttempts) {
        const why = failure.retry ? `${failure.reason}, ${attempt} attempts` : failure.reason;
        throw new BranchyardError('LlmError', `the model provider at ${this.endpoint.baseUrl} failed: ${why}`);
      }
      const waitMs = Math.min(this.endpoint.maxWaitMs ?? 30_000, failure.retryAfterMs ?? backoff(attempt));
      call.onRetry?.({ attempt, waitMs, reason: failure.reason });
      await sleep(waitMs, call.signal);
    }
  }

  private async attempt(
    call: LlmCall,
    maxTokens: number,
  ): Promise<{
    reply?: LlmReply;
    failure?: { retry: boolean; reason: string; retryAfterMs?: number };
    partialText?: string;
  }> {
    let content = '';
    const calls = new Map<number, LlmToolCall>();
    let finishReason: string | null = null;
    let usage: LlmUsage | null = null;
    let streaming = false;
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: this.endpoint.model,
          messages: call.messages,
          tools: call.tools,
          tool_choice: 'auto',
          max_tokens: maxTokens,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: call.signal },
      );
      for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
        streaming = true;
        if (chunk.usage)
          usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta;
        if (delta?.content) {
          content += delta.content;
          call.onText?.(delta.content);
        }
        for (const part of delta?.tool_calls ?? []) {
          const current = calls.get(part.index) ?? { id: '', name: '', arguments: '' };
          if (part.id) current.id = part.id;
          if (part.function?.name) current.name += part.function.name;
          if (part.function?.arguments) current.arguments += part.function.arguments;
          calls.set(part.index, current);
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (error) {
      if (call.signal.aborted) throw error;
      const partialText = content + [...calls.values()].map((c) => c.name + c.arguments).join('');
      // Once chunks have come, a broken connection is a cut stream, whatever the SDK calls it.
      const failure =
        streaming && !(error instanceof OpenAI.APIError && error.status !== undefined)
          ? { retry: true, reason: 'the answer stream was cut before it finished' }
          : classify(error);
      return { failure, partialText };
    }
    if (!finishReason) {
      const partialText = content + [...calls.values()].map((c) => c.name + c.arguments).join('');
      return { failure: { retry: true, reason: 'the answer stream was cut before it finished' }, partialText };
    }
    const toolCalls = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => ({ ...c, id: c.id || `call_${index}` }));
    return { reply: { content, toolCalls, finishReason, usage } };
  }
}

function classify(error: unknown): { retry: boolean; reason: string; retryAfterMs?: number } {
  if (error instanceof OpenAI.APIConnectionError)
    return { retry: true, reason: `could not reach it (${error.message})` };
  if (error instanceof OpenAI.APIError) {
    const message = providerMessage(error);
    if (error.status === undefined) return { retry: true, reason: `the answer broke off: ${message}` };
    const retryAfterMs = retryAfter(error.headers);
    if (RETRYABLE.has(error.status))
      return {
        retry: true,
        reason: `${error.status} ${message}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    const hint =
      error.status === 401 || error.status === 403
        ? ' (check the API key)'
        : error.status === 404
          ? ' (check the model name and base URL in ai/config.json)'
          : '';
    return { retry: false, reason: `${error.status} ${message}${hint}` };
  }
  return { retry: true, reason: (error as Error)?.message ?? String(error) };
}

/** The provider's own words, without the SDK's prefix. */
function providerMessage(error: InstanceType<typeof OpenAI.APIError>): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : error.message.replace(/^\d{3}\s*/, '');
}

/** Retry-After in seconds or as an HTTP date, or retry-after-ms (OpenAI's), in milliseconds. */
export function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function backoff(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
