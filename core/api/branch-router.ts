// Branches of a codebase: list, show, diff, the tree and any file at a branch, and a branch
// made by hand from a folder (CLI.md `branch new`).
import { z } from 'zod';
import {
  commitTree,
  diffBetween,
  formatBranch,
  isBinary,
  listBranchRecords,
  listTree,
  parseBranchNumber,
  readBranchInfo,
  readBranchText,
  readChanges,
  readFileAt,
} from '../git/index.ts';
import { BranchyardError, describeError } from '../errors/index.ts';
import { describeGateways } from '../gateway/index.ts';
import type { Engine } from '../engine/index.ts';
import { liveStates } from '../engine/index.ts';
import { engineOf, hostFolder } from './context.ts';
import { branchInput as codebaseAndBranch, branchNumber as branchRef } from './inputs.ts';
import { procedure, router } from './trpc.ts';

/**
 * The live processes of a codebase, when this engine has a runtime. A runtime that cannot open
 * (Docker asked for and not answering) leaves the branches listed, with the reason beside them.
 */
async function liveProcesses(engine: Engine, codebase: string) {
  if (!engine.parts.runtime) return { live: null, problem: null };
  try {
    const runtime = await engine.parts.runtime();
    return {
      live: { kind: runtime.kind, isolated: runtime.isolated, processes: await runtime.list(codebase) },
      problem: null,
    };
  } catch (error) {
    return { live: null, problem: describeError(error) };
  }
}

export const branchRouter = router({
  list: procedure.input(z.object({ codebase: z.string() })).query(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    const { workspace, codebase } = await engine.codebase(input.codebase);
    const gateways = async () =>
      engine.parts.gateways ? engine.parts.gateways().status() : describeGateways(workspace);
    const [listing, statuses, { live, problem }] = await Promise.all([
      listBranchRecords(codebase),
      gateways(),
      liveProcesses(engine, input.codebase),
    ]);
    // What each gateway serves, its active-branch fallback included.
    const stateOf = liveStates(engine, input.codebase, live?.processes ?? null);
    const servedBy = (n: number) =>
      statuses.filter((g) => g.routes.some((r) => r.codebase === input.codebase && r.branch === n)).map((g) => g.name);
    return {
      branches: listing.branches.map((info) => ({
        ...info,
        gateways: servedBy(info.number),
        process: live?.processes.find((p) => p.branch === info.number) ?? null,
        /** live, waking, sleeping, failed or stopped; null when no live engine runs. */
        state: stateOf?.(info.number) ?? null,
      })),
      problems: listing.problems,
      /** Null when no live engine runs (the CLI on its own): process states are then unknown. */
      runtime: live ? { kind: live.kind, isolated: live.isolated } : null,
      /** Why the processes are unknown although this engine runs branches (its runtime cannot open). */
      runtimeProblem: problem,
    };
  }),

  show: procedure.input(codebaseAndBranch).query(async ({ ctx, input }) => {
    const { codebase, branch: number } = await engineOf(ctx).branch(input.codebase, input.branch);
    const info = await readBranchInfo(codebase, number);
    const [summary, readme, changes] = await Promise.all([
      readBranchText(codebase, number, 'summary.md'),
      readBranchText(codebase, number, 'readme.md'),
      readChanges(codebase, number),
    ]);
    return { info, summary, readme, changes, folder: codebase.paths.branch(formatBranch(number)) };
  }),

  diff: procedure.input(codebaseAndBranch.extend({ against: branchRef.optional() })).query(async ({ ctx, input }) => {
    const { codebase, branch } = await engineOf(ctx).branch(input.codebase, input.branch);
    const info = await readBranchInfo(codebase, branch);
    const against = input.against === undefined ? info.parent : parseBranchNumber(input.against, 'against');
    const base = against === null ? null : await readBranchInfo(codebase, against);
    const diff = await diffBetween(
      codebase.repo,
      base ? await commitTree(codebase.repo, base.commit) : null,
      await commitTree(codebase.repo, info.commit),
    );
    return { branch: info.number, against: base?.number ?? null, patch: diff.patch, changes: diff.changes };
  }),

  tree: procedure.input(codebaseAndBranch).query(async ({ ctx, input }) => {
    const { codebase, branch } = await engineOf(ctx).branch(input.codebase, input.branch);
    const info = await readBranchInfo(codebase, branch);
    return { branch: info.number, files: await listTree(codebase.repo, await commitTree(codebase.repo, info.commit)) };
  }),

  file: procedure.input(codebaseAndBranch.extend({ path: z.string().min(1) })).query(async ({ ctx, input }) => {
    const { codebase, branch } = await engineOf(ctx).branch(input.codebase, input.branch);
    const info = await readBranchInfo(codebase, branch);
    const file = await readFileAt(codebase.repo, await commitTree(codebase.repo, info.commit), input.path);
    if (!file)
      throw new BranchyardError(
        'NotFoundError',
        `branch ${formatBranch(info.number)} of ${input.codebase} has no file ${input.path}`,
      );
    const binary = isBinary(file.content);
    const content = Buffer.from(file.content);
    return {
      branch: info.number,
      path: input.path,
      mode: file.mode,
      oid: file.oid,
      binary,
      size: content.length,
      content: binary ? content.toString('base64') : content.toString('utf8'),
    };
  }),

  /** A branch made by hand: the files of `dir` over `from` (deletions in `dir/.branchyard-delete`). */
  new: procedure
    .input(
      z.object({
        codebase: z.string(),
        from: branchRef.optional(),
        dir: z.string().min(1),
        message: z.string().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const engine = engineOf(ctx);
      const codebase = await engine.codebase(input.codebase);
      const parent = input.from === undefined ? undefined : parseBranchNumber(input.from, 'from');
      return engine.branches.create(codebase, {
        parent,
        dir: await hostFolder(ctx, 'dir', input.dir),
        message: input.message,
      });
    }),
});
