// A revision runs only inside a live engine, so one still `open` when an engine starts was cut
// off when the last one stopped (killed, crashed, the machine turned off). It is marked
// `interrupted` with what it had spent, and the user either resumes it from its last completed
// turn (its transcript and working copy are kept per turn) or discards it.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import { formatRevision, openCodebase } from '../git/index.ts';
import { addResponse, readRevision, setRevisionStatus } from '../revisions/index.ts';
import type { StateDb } from '../store/index.ts';
import { listRevisionRows, recordAction, revisionId } from '../store/index.ts';
import type { Workspace } from '../workspace/index.ts';
import { codebaseNames } from '../workspace/index.ts';
import { usd } from './budget.ts';
import { agentDir } from './dev-flow.ts';

export interface InterruptedRevision {
  codebase: string;
  revision: number;
  turns: number;
  costMicroUsd: number;
  promptTokens: number;
  completionTokens: number;
}

/**
 * Call as an engine starts, before it runs any revision: every `open` one it does not run
 * (`running`: the ones this process still runs, from an engine it had open before) is a leftover.
 */
export async function interruptOpenRevisions(options: {
  workspace: Workspace;
  db: StateDb;
  events?: EventBus;
  running?: (codebase: string, revision: number) => boolean;
}): Promise<InterruptedRevision[]> {
  const { workspace, db, events } = options;
  const found: InterruptedRevision[] = [];
  for (const name of await codebaseNames(workspace.paths)) {
    const codebase = await openCodebase(workspace.paths, name).catch(() => undefined);
    if (!codebase) continue;
    for (const row of (await listRevisionRows(db, name)).filter(
      (r) => r.status === 'open' && !options.running?.(name, r.number),
    )) {
      const turns = await readFile(
        path.join(agentDir({ workspace, codebase }, row.number), 'transcript.json'),
        'utf8',
      ).then(
        (text) => (JSON.parse(text) as { turns?: number }).turns ?? 0,
        () => 0,
      );
      const spend = {
        costMicroUsd: row.costMicroUsd,
        promptTokens: row.promptTokens,
        completionTokens: row.completionTokens,
      };
      const records = { codebase, state: db, events, number: row.number };
      await addResponse({
        ...records,
        kind: 'error',
        text: `The engine stopped while this revision was running (after ${turns} turn${turns === 1 ? '' : 's'}, ${spend.promptTokens} + ${spend.completionTokens} tokens, ${usd(spend.costMicroUsd)} spent); it can be resumed from its last completed turn, or discarded.`,
      });
      await setRevisionStatus({ ...records, status: 'interrupted' });
      await recordAction(db, {
        devRevisionId: await revisionId(db, name, row.number),
        actor: 'engine',
        action: 'revision.interrupted',
        payload: { turns, ...spend },
      });
      found.push({ codebase: name, revision: row.number, turns, ...spend });
    }
  }
  return found;
}

/**
 * Drops a revision that will not go on: its transcript and working copy are removed, its
 * prompts, responses and spend stay on record.
 */
export async function discardRevision(options: {
  workspace: Workspace;
  db: StateDb;
  events?: EventBus;
  codebase: string;
  revision: number;
}): Promise<{ codebase: string; revision: number; status: 'discarded' }> {
  const codebase = await openCodebase(options.workspace.paths, options.codebase);
  const revision = await readRevision(codebase, options.revision);
  if (!['interrupted', 'needs-answer'].includes(revision.info.status)) {
    throw new BranchyardError(
      'InvalidInputError',
      `dev revision ${formatRevision(options.revision)} of ${options.codebase} is ${revision.info.status}; only an interrupted revision or one waiting for an answer can be discarded`,
    );
  }
  await rm(agentDir({ workspace: options.workspace, codebase }, options.revision), { recursive: true, force: true });
  await setRevisionStatus({
    codebase,
    state: options.db,
    events: options.events,
    number: options.revision,
    status: 'discarded',
  });
  await recordAction(options.db, {
    devRevisionId: await revisionId(options.db, options.codebase, options.revision),
    actor: 'user',
    action: 'revision.discard',
    payload: { was: revision.info.status },
  });
  return { codebase: options.codebase, revision: options.revision, status: 'discarded' };
}
