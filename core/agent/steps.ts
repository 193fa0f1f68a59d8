// A revision's tool calls as the window shows them after a reload: read back from the transcript
// the engine keeps (saved at the end of each turn), each call beside the text it got back. The
// agent's text of each turn comes with it, in order, so the whole conversation can be rebuilt.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatRevision } from '../git/index.ts';
import type { Workspace } from '../workspace/index.ts';
import type { Transcript } from './dev-flow.ts';
import type { AgentRole } from './roles.ts';

/** Each step names the role that took it (issue 22): the product owner's come first, when there is one. */
export type RevisionStep = { role: AgentRole } & (
  | { kind: 'text'; text: string }
  | { kind: 'tool'; id: string; tool: string; arguments: string; path?: string; result: string; ok: boolean }
);

/** What the engine answers a call that did not work: a refusal, failed or unfinished checks, a turned-back finish. */
const FAILED =
  /^(Refused:|Checks could not finish|Nothing was changed|The (route )?checks failed)|^Type-check: \d+ error|^Tests: \d+ of \d+ failed|^Routes?:.*failed/m;

export async function revisionSteps(workspace: Workspace, codebase: string, revision: number): Promise<RevisionStep[]> {
  const file = path.join(workspace.paths.engineDir, 'agent', codebase, formatRevision(revision), 'transcript.json');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (!text) return [];
  const transcript = JSON.parse(text) as Transcript;
  const steps: RevisionStep[] = [];
  const parts: [AgentRole, Transcript['messages']][] = [
    ['product-owner', transcript.productOwner?.messages ?? []],
    ['developer', transcript.messages],
  ];
  for (const [role, messages] of parts) {
    const results = new Map(
      messages.flatMap((m) =>
        m.role === 'tool' ? [[m.tool_call_id, typeof m.content === 'string' ? m.content : '']] : [],
      ),
    );
    for (const message of messages) {
      if (message.role !== 'assistant') continue;
      if (typeof message.content === 'string' && message.content.trim())
        steps.push({ role, kind: 'text', text: message.content });
      for (const call of message.tool_calls ?? []) {
        if (call.type !== 'function') continue;
        const result = results.get(call.id) ?? '';
        steps.push({
          role,
          kind: 'tool',
          id: call.id,
          tool: call.function.name,
          arguments: call.function.arguments,
          ...pathOf(call.function.arguments),
          result,
          ok: !FAILED.test(result),
        });
      }
    }
  }
  return steps;
}

function pathOf(raw: string): { path?: string } {
  try {
    const value = (JSON.parse(raw) as { path?: unknown }).path;
    return typeof value === 'string' ? { path: value } : {};
  } catch {
    return {};
  }
}
