// One model call of either role, with everything that goes with it: the budget asked before
// every attempt (at the role's prices), a cut answer put on the ledger as if billed, the cost
// recorded and the spend reported, and the call on the audit trail with its tokens, cost and time.
import type { EventBus } from '../events/index.ts';
import type { StateDb } from '../store/index.ts';
import { recordCost, spent } from '../store/index.ts';
import { countTokens } from '../tokens/index.ts';
import type { AiConfig } from '../workspace/index.ts';
import type { AuditRecorder } from './audit.ts';
import { checkMoney, costMicroUsd, promptTokensBound } from './budget.ts';
import type { LlmClient, LlmMessage, LlmReply, LlmTool } from './llm/llm-client.ts';
import type { RoleSettings } from './roles.ts';

/** Thrown when even a short answer could pass what the budget has left. */
export class OverBudget extends Error {}

export interface ModelCall {
  db: StateDb;
  events: EventBus;
  config: AiConfig;
  llm: LlmClient;
  settings: RoleSettings;
  revisionId: number;
  codebase: string;
  revision: number;
  audit: AuditRecorder;
  messages: LlmMessage[];
  tools: LlmTool[];
  /** Our count of the prompt's tokens (see PromptTokens in dev-flow.ts). */
  countedTokens: number;
  signal: AbortSignal;
}

export async function callModel(
  call: ModelCall,
): Promise<LlmReply & { usage: { promptTokens: number; completionTokens: number } }> {
  const { db, events, settings } = call;
  const config = { ...call.config, prices: settings.prices };
  const promptBound = promptTokensBound(call.countedTokens, call.messages.length);
  const started = performance.now();
  const reply = await call.llm.complete({
    messages: call.messages,
    tools: call.tools,
    signal: call.signal,
    beforeAttempt: async () => {
      const verdict = await checkMoney({ db, config, revisionId: call.revisionId, promptTokens: promptBound });
      if (!verdict.ok) throw new OverBudget(verdict.reason);
      return verdict.maxTokens;
    },
    onPartial: async ({ completionText }) => {
      // A cut answer may still be billed: count it as if it were.
      const completionTokens = countTokens(completionText);
      const cost = costMicroUsd(settings.prices, promptBound, completionTokens);
      await recordCost(db, {
        devRevisionId: call.revisionId,
        model: call.llm.model,
        promptTokens: promptBound,
        completionTokens,
        costMicroUsd: cost,
      });
      await call.audit('model', { model: call.llm.model, cut: true }, 'agent', {
        role: settings.role,
        outcome: 'cut',
        promptTokens: promptBound,
        completionTokens,
        costMicroUsd: cost,
      });
    },
    onText: (delta) =>
      events.emit('agent.text', { codebase: call.codebase, revision: call.revision, delta, role: settings.role }),
    onRetry: (retry) => {
      events.emit('agent.retry', { codebase: call.codebase, revision: call.revision, ...retry });
      void call.audit('llm.retry', retry, 'engine');
    },
  });
  const usage = reply.usage ?? {
    promptTokens: promptBound,
    completionTokens: countTokens(reply.content + reply.toolCalls.map((c) => c.name + c.arguments).join('')),
  };
  const cost = costMicroUsd(settings.prices, usage.promptTokens, usage.completionTokens);
  await recordCost(db, { devRevisionId: call.revisionId, model: call.llm.model, ...usage, costMicroUsd: cost });
  await call.audit('model', { model: call.llm.model, calls: reply.toolCalls.map((c) => c.name) }, 'agent', {
    role: settings.role,
    outcome: reply.finishReason,
    ...usage,
    costMicroUsd: cost,
    durationMs: Math.round(performance.now() - started),
  });
  events.emit('agent.spend', {
    codebase: call.codebase,
    revision: call.revision,
    model: call.llm.model,
    ...usage,
    costMicroUsd: cost,
    revisionMicroUsd: await spent(db, { devRevisionId: call.revisionId }),
    budgetMicroUsd: call.config.budget.perRevisionUsd * 1e6,
  });
  return { ...reply, usage };
}
