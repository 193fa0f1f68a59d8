// Promotion: point a gateway at a branch of a codebase. The branch is checked (a protected
// gateway takes only branches whose every check passed), made to run and answer, then the
// route is written to the gateway's file and the engine state and committed, and only then
// swapped in the live gateway: requests under way finish on the old branch, which keeps
// running, and new ones go to the new one. Rolling back is promoting the previous branch, which
// a protected gateway takes whatever its checks say now: it served there before.
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BranchyardError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import { CHECK_NAMES, commitToWorkspace, formatBranch, openCodebase, readBranchInfo } from '../git/index.ts';
import { withFileLock } from '../locks/index.ts';
import type { Actor, StateDb } from '../store/index.ts';
import { ensureCodebase, ensureGateway, listPromotions, promote } from '../store/index.ts';
import type { GatewayEntry, PromotionRecord, Workspace } from '../workspace/index.ts';
import { gatewaySchema, readActiveBranch, readConfigFile, WorkspaceConfigError } from '../workspace/index.ts';
import { editJsonFile } from './gateway-file.ts';
import { unknownGateway } from './manager.ts';

/** How many recent promotions each gateway file keeps; the engine state and git keep them all. */
const FILE_HISTORY = 100;

export interface PromoteOptions {
  workspace: Workspace;
  db: StateDb;
  gateway: string;
  codebase: string;
  branch: number;
  actor: Actor;
  /** Who exactly; defaults to `user:<login>` for the user. */
  by?: string;
  events?: EventBus;
  /** Makes the branch run and answer before any request is sent to it. */
  ensureRunning: (codebase: string, branch: number) => Promise<void>;
  /** Swaps the live route tables once the promotion is stored. */
  apply: () => Promise<void>;
}

export interface PromotionResult {
  gateway: string;
  codebase: string;
  from: number | null;
  to: number;
  by: string;
  at: string;
  /** The workspace commit that records it, when the file changed. */
  commit: string | null;
}

/**
 * Every check must have passed, but for route checks skipped with a reason: they do not run yet
 * for a branch that connects to its database (the sandbox has no copy of one to give it), and
 * such a branch is held to its other checks as before.
 */
function checkAccepted(check: (typeof CHECK_NAMES)[number], status: string | undefined): boolean {
  return status === 'passed' || (check === 'routes' && status === 'skipped');
}

export async function promoteBranch(options: PromoteOptions): Promise<PromotionResult> {
  const { workspace, gateway: name, codebase: codebaseName, branch } = options;
  const entry = workspace.gateways.find((g) => g.name === name);
  if (!entry)
    throw unknownGateway(
      name,
      workspace.gateways.map((g) => g.name),
    );
  const codebase = await openCodebase(workspace.paths, codebaseName);
  const info = await readBranchInfo(codebase, branch);
  const label = `branch ${formatBranch(branch)} of ${codebaseName}`;
  if (entry.config.protected) {
    const failing = CHECK_NAMES.filter((check) => !checkAccepted(check, info.checks[check]?.status)).map((check) => {
      const result = info.checks[check];
      return `${check} ${result?.status ?? 'not run'}${result?.detail ? ` (${result.detail})` : ''}`;
    });
    // A branch this gateway served before may always come back (a rollback): the checks it has
    // now (tests never run, a schema check gone stale) say nothing against what already ran there.
    if (failing.length > 0 && !(await servedBefore(options.db, name, codebaseName, branch))) {
      throw new BranchyardError(
        'PromotionRefusedError',
        `${name} is protected and takes only branches whose every check passed; ${label} has: ${failing.join(', ')}`,
      );
    }
  }
  const task = `promote:${codebaseName}:${branch}:${name}`;
  options.events?.emit('progress', {
    task,
    step: 'start',
    message: `making sure ${label} runs before ${name} routes to it`,
    done: 0,
    total: 2,
  });
  await options.ensureRunning(codebaseName, branch);

  const by = options.by ?? (options.actor === 'user' ? `user:${os.userInfo().username}` : options.actor);
  const at = new Date().toISOString();
  const file = path.join(workspace.paths.root, entry.file);
  await mkdir(path.join(workspace.paths.engineDir, 'gateways'), { recursive: true, mode: 0o700 });
  const result = await withFileLock(
    path.join(workspace.paths.engineDir, 'gateways', `${name}.lock`),
    { what: `the gateway file ${entry.file}`, waitMs: 30_000 },
    async () => {
      // Read again under the lock: another promotion may have changed the file since it was loaded.
      const read = await readConfigFile(workspace.paths.root, entry.file, gatewaySchema);
      if (!read.ok) throw new WorkspaceConfigError(read.problems);
      const current: GatewayEntry = { ...entry, config: read.value };
      const from =
        current.config.routes[codebaseName] !== undefined
          ? Number(current.config.routes[codebaseName])
          : await readActiveBranch(workspace.paths, codebaseName);
      const record: PromotionRecord = {
        codebase: codebaseName,
        from: from === null ? null : formatBranch(from),
        to: formatBranch(branch),
        by,
        at,
      };
      await editJsonFile(file, workspace.paths.stagingDir, [
        [['routes', codebaseName], record.to],
        [['promotions'], [...(current.config.promotions ?? []), record].slice(-FILE_HISTORY)],
      ]);
      const gatewayId = await ensureGateway(options.db, {
        name,
        port: entry.config.port,
        httpPort: entry.config.httpPort,
        protected: entry.config.protected,
      });
      const codebaseId = await ensureCodebase(options.db, codebaseName);
      await promote(options.db, { gatewayId, codebaseId, toBranch: branch, actor: options.actor, by, from });
      const commit = await commitToWorkspace(
        workspace.paths,
        [file],
        `Promote ${codebaseName} ${formatBranch(branch)} to ${name}${from !== null ? ` (was ${formatBranch(from)})` : ''}`,
      );
      return { from, commit: commit ?? null };
    },
  );
  await options.apply();
  options.events?.emit('progress', {
    task,
    step: 'done',
    message: `${name} routes ${codebaseName} to ${formatBranch(branch)}`,
    done: 2,
    total: 2,
  });
  options.events?.emit('gateway.promoted', {
    gateway: name,
    codebase: codebaseName,
    from: result.from,
    to: branch,
    by,
  });
  return { gateway: name, codebase: codebaseName, from: result.from, to: branch, by, at, commit: result.commit };
}

/** Whether the gateway routed the codebase to the branch at some point, by its promotion history. */
async function servedBefore(db: StateDb, gateway: string, codebase: string, branch: number): Promise<boolean> {
  const history = await listPromotions(db, { gateway, codebase, limit: 100_000 });
  // `from` counts too: the branch a gateway served before its first promotion (the active branch) has no promotion of its own.
  return history.some((p) => p.to === branch || p.from === branch);
}
