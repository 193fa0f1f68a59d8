// A promotion writes the gateway file, then the engine state, then a workspace commit of its own.
// An engine stopped between the first step and the last leaves the file changed with no commit
// (and maybe no row in the state's history). At the next start, the promotion records the file
// holds and its last commit lacks are committed under the promotion's name and added to the
// history where it lacks them, the way branch creation recovers its uncommitted records.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { commitToWorkspace, committedText } from '../git/index.ts';
import { withFileLock } from '../locks/index.ts';
import type { Actor, StateDb } from '../store/index.ts';
import { ensureCodebase, ensureGateway, listPromotions, promote } from '../store/index.ts';
import type { PromotionRecord, Workspace } from '../workspace/index.ts';
import { gatewaySchema, readConfigFile } from '../workspace/index.ts';

export interface RecoveredPromotions {
  gateway: string;
  promotions: PromotionRecord[];
  commit: string | undefined;
}

export async function recoverPromotions(options: {
  workspace: Workspace;
  db: StateDb;
}): Promise<RecoveredPromotions[]> {
  const { workspace, db } = options;
  const recovered: RecoveredPromotions[] = [];
  await mkdir(path.join(workspace.paths.engineDir, 'gateways'), { recursive: true, mode: 0o700 });
  for (const entry of workspace.gateways) {
    const file = path.join(workspace.paths.root, entry.file);
    // The promotion's own lock: no promotion of this gateway is under way while this looks.
    const found = await withFileLock(
      path.join(workspace.paths.engineDir, 'gateways', `${entry.name}.lock`),
      { what: `the gateway file ${entry.file}`, waitMs: 30_000 },
      async () => {
        const read = await readConfigFile(workspace.paths.root, entry.file, gatewaySchema);
        // A file that does not read is reported where it is loaded; nothing to recover from it here.
        if (!read.ok) return undefined;
        const committed = new Set(committedPromotions(await committedText(workspace.paths, file)).map(key));
        const missing = (read.value.promotions ?? []).filter((record) => !committed.has(key(record)));
        if (missing.length === 0) return undefined;
        const gatewayId = await ensureGateway(db, {
          name: entry.name,
          port: read.value.port,
          httpPort: read.value.httpPort,
          protected: read.value.protected,
        });
        for (const record of missing) {
          if (await inHistory(db, entry.name, record)) continue;
          const from = record.from === null ? null : Number(record.from);
          await promote(db, {
            gatewayId,
            codebaseId: await ensureCodebase(db, record.codebase),
            toBranch: Number(record.to),
            from,
            actor: actorOf(record.by),
            by: record.by,
            at: new Date(record.at),
          });
        }
        const names = missing
          .map((r) => `Promote ${r.codebase} ${r.to} to ${entry.name}${r.from !== null ? ` (was ${r.from})` : ''}`)
          .join('; ');
        const commit = await commitToWorkspace(
          workspace.paths,
          [file],
          `${names}: recorded at start, the engine stopped before committing it`,
        );
        return { gateway: entry.name, promotions: missing, commit };
      },
    );
    if (found) recovered.push(found);
  }
  return recovered;
}

const key = (record: PromotionRecord) => `${record.codebase}|${record.to}|${record.at}`;

function committedPromotions(text: string | undefined): PromotionRecord[] {
  const promotions = text === undefined ? undefined : (parse(text) as { promotions?: unknown } | undefined)?.promotions;
  return Array.isArray(promotions) ? (promotions as PromotionRecord[]) : [];
}

/**
 * The state's row for the promotion, when it got that far: written after the file, so at or
 * after the record's time (a second of slack for a database server's clock).
 */
async function inHistory(db: StateDb, gateway: string, record: PromotionRecord): Promise<boolean> {
  const since = Date.parse(record.at) - 1000;
  const rows = await listPromotions(db, { gateway, codebase: record.codebase, limit: 1000 });
  return rows.some((row) => row.to === Number(record.to) && row.at.getTime() >= since);
}

function actorOf(by: string): Actor {
  if (by.startsWith('engine')) return 'engine';
  if (by.startsWith('agent')) return 'agent';
  return 'user';
}
