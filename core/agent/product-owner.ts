// The product owner's turn of a revision (issue 22): with the codebase's context and read-only
// tools it either asks the user (the revision waits, as the developer's questions do) or writes
// the refined request with acceptance points, kept as refined.md in the revision; the developer
// then builds from that. It never writes code, so it never needs the sandbox.
import { describeError } from '../errors/index.ts';
import type { AuditRecorder } from './audit.ts';
import { argsDigest } from './audit.ts';
import type { ContextLevel } from './context.ts';
import { contextMessage } from './context.ts';
import type { LlmClient, LlmMessage, LlmTool } from './llm/llm-client.ts';
import { callModel, OverBudget } from './model-call.ts';
import type { ModelCall } from './model-call.ts';
import type { RoleSettings } from './roles.ts';
import { runTool, TOOLS } from './tools.ts';
import type { WorkingCopy } from './working-copy.ts';
import { countTokens } from '../tokens/index.ts';

/** The product owner reads and asks; past this many turns it has read enough. */
const MAX_TURNS = 12;

export const PRODUCT_OWNER_PROMPT = `You are the product owner of an API service written as plain TypeScript functions. A developer will build what you hand over; you never write code.

Read the user's request with the codebase's context below (list_files, read_file and search_files show more). Then do exactly one of these:
- If the request is unclear or leaves out something the developer cannot reasonably decide alone, call ask_user with short, concrete questions.
- Otherwise call refine with the request rewritten so a developer can build it without asking (what routes or functions, inputs, outputs, errors), and acceptance points: checks, each one testable, that tell whether the work is done.`;

const READ_TOOLS = new Set(['list_files', 'read_file', 'search_files', 'ask_user']);

export const PRODUCT_OWNER_TOOLS: LlmTool[] = [
  ...TOOLS.filter((t) => t.type === 'function' && READ_TOOLS.has(t.function.name)),
  {
    type: 'function',
    function: {
      name: 'refine',
      description: 'Hands the refined request to the developer. Ends your turn.',
      parameters: {
        type: 'object',
        properties: {
          request: { type: 'string', description: 'the request, rewritten precisely' },
          acceptance: {
            type: 'array',
            items: { type: 'string' },
            minItems: 1,
            description: 'testable acceptance points',
          },
        },
        required: ['request', 'acceptance'],
        additionalProperties: false,
      },
    },
  },
];

export interface ProductOwnerState {
  messages: LlmMessage[];
  /** The ask_user call waiting for the user's answer. */
  pendingAsk: string | null;
  /** The refined request, once written. */
  refined: string | null;
  turns: number;
}

export type ProductOwnerOutcome =
  | { kind: 'refined'; text: string }
  | { kind: 'ask'; questions: string[] }
  | { kind: 'stop'; status: 'over-budget' | 'turn-limit' | 'failed'; message: string };

export interface ProductOwnerRun extends Omit<ModelCall, 'messages' | 'tools' | 'countedTokens' | 'settings' | 'llm'> {
  llm: LlmClient;
  settings: RoleSettings;
  state: ProductOwnerState;
  copy: WorkingCopy;
  levels: ContextLevel[];
  prompts: { kind: string; text: string }[];
  /** The user's answers since the product owner's questions. */
  answers: string[];
  /** Keeps the refined request with the revision (refined.md). */
  saveRefined: (text: string) => Promise<void>;
  /** Keeps the state after each completed turn, so an engine stopped later goes on from there. */
  save: () => Promise<void>;
  audit: AuditRecorder;
}

export async function runProductOwner(run: ProductOwnerRun): Promise<ProductOwnerOutcome> {
  const { state } = run;
  if (state.messages.length === 0) {
    state.messages.push(
      { role: 'system', content: PRODUCT_OWNER_PROMPT },
      { role: 'user', content: contextMessage(run.levels, run.prompts) },
    );
  } else if (state.pendingAsk) {
    state.messages.push({
      role: 'tool',
      tool_call_id: state.pendingAsk,
      content: `The user answered:\n${run.answers.join('\n\n')}`,
    });
    state.pendingAsk = null;
  }
  for (;;) {
    if (state.turns >= MAX_TURNS)
      return {
        kind: 'stop',
        status: 'turn-limit',
        message: `the product owner read for ${MAX_TURNS} turns without refining the request or asking`,
      };
    state.turns += 1;
    let reply;
    try {
      reply = await callModel({
        ...run,
        messages: state.messages,
        tools: PRODUCT_OWNER_TOOLS,
        countedTokens: countTokens(JSON.stringify(state.messages)),
      });
    } catch (error) {
      if (error instanceof OverBudget)
        return {
          kind: 'stop',
          status: 'over-budget',
          message: `stopped before a call that could pass the budget: ${error.message}`,
        };
      if (run.signal.aborted) throw error;
      return { kind: 'stop', status: 'failed', message: describeError(error) };
    }
    state.messages.push({
      role: 'assistant',
      content: reply.content || null,
      ...(reply.toolCalls.length > 0
        ? {
            tool_calls: reply.toolCalls.map((c) => ({
              id: c.id,
              type: 'function' as const,
              function: { name: c.name, arguments: c.arguments },
            })),
          }
        : {}),
    });
    if (reply.toolCalls.length === 0) {
      state.messages.push({
        role: 'user',
        content:
          'Call refine with the refined request and its acceptance points, or ask_user if the request is unclear.',
      });
      continue;
    }
    let outcome: ProductOwnerOutcome | undefined;
    for (const call of reply.toolCalls) {
      const started = performance.now();
      const fields = (result: string) => ({
        tool: call.name,
        argsDigest: argsDigest(call.arguments),
        outcome: result,
        durationMs: Math.round(performance.now() - started),
      });
      if (outcome) {
        state.messages.push({
          role: 'tool',
          tool_call_id: call.id,
          content: 'Not run: your turn ended before this call.',
        });
        continue;
      }
      if (call.name === 'refine') {
        const refined = parseRefine(call.arguments);
        if (typeof refined === 'string') {
          state.messages.push({ role: 'tool', tool_call_id: call.id, content: `Refused: ${refined}` });
          await run.audit('tool:refine', {}, 'agent', fields('refused'));
          continue;
        }
        const text = refinedMarkdown(refined);
        await run.saveRefined(text);
        state.refined = text;
        state.messages.push({ role: 'tool', tool_call_id: call.id, content: 'Handed to the developer.' });
        await run.audit('tool:refine', { acceptance: refined.acceptance.length }, 'agent', fields('ok'));
        outcome = { kind: 'refined', text };
        continue;
      }
      const result = READ_TOOLS.has(call.name)
        ? await runTool(run.copy, call.name, call.arguments)
        : ({
            kind: 'answer',
            ok: false,
            text: `Refused: the product owner's tools are ${[...READ_TOOLS, 'refine'].join(', ')}`,
          } as const);
      if (result.kind === 'ask') {
        state.pendingAsk = call.id;
        await run.audit('tool:ask_user', { questions: result.questions }, 'agent', fields('asked'));
        outcome = { kind: 'ask', questions: result.questions };
      } else if (result.kind === 'answer') {
        state.messages.push({ role: 'tool', tool_call_id: call.id, content: result.text });
        await run.audit(
          `tool:${call.name}`,
          { result: result.text.slice(0, 300) },
          'agent',
          fields(result.ok ? 'ok' : 'refused'),
        );
        run.events.emit('agent.tool', {
          codebase: run.codebase,
          revision: run.revision,
          role: 'product-owner',
          tool: call.name,
          ok: result.ok,
          summary: `product owner: ${result.text.split('\n')[0]!.slice(0, 180)}`,
        });
      } else {
        state.messages.push({ role: 'tool', tool_call_id: call.id, content: "Refused: that tool is the developer's" });
      }
    }
    await run.save();
    if (outcome) return outcome;
  }
}

function parseRefine(rawArguments: string): { request: string; acceptance: string[] } | string {
  try {
    const args = JSON.parse(rawArguments) as { request?: unknown; acceptance?: unknown };
    const acceptance = Array.isArray(args.acceptance)
      ? args.acceptance.filter((a): a is string => typeof a === 'string' && a.trim() !== '')
      : [];
    if (typeof args.request !== 'string' || args.request.trim() === '')
      return 'expected "request": the refined request, as a string';
    if (acceptance.length === 0) return 'expected "acceptance": at least one testable acceptance point, as strings';
    return { request: args.request.trim(), acceptance };
  } catch {
    return `the arguments of refine are not a JSON object (${rawArguments.slice(0, 200)})`;
  }
}

function refinedMarkdown(refined: { request: string; acceptance: string[] }): string {
  return `# Refined request\n\n${refined.request}\n\n## Acceptance\n\n${refined.acceptance.map((a) => `- [ ] ${a}`).join('\n')}\n`;
}
