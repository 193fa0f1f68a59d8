// A branch's token-sized logs (CLI.md `logs`): its files per type with their token counts and
// times, one file, the last N tokens across files, a search, and the lines as they are written.
import path from 'node:path';
import { z } from 'zod';
import { BranchyardError } from '../errors/index.ts';
import { iterateListener } from '../events/index.ts';
import { readBranchInfo } from '../git/index.ts';
import type { LogType } from '../logs/index.ts';
import {
  branchLogsFolder,
  checkFileName,
  checkType,
  listLogFiles,
  readLogFile,
  searchLogs,
  tailLogs,
  typeOfLogFile,
} from '../logs/index.ts';
import type { EngineContext } from './context.ts';
import { engineOf } from './context.ts';
import { branchInput } from './inputs.ts';
import { procedure, router } from './trpc.ts';

const typeInput = z.string().optional();

/** The branch's folder in the logs repository, once the branch is known to exist. */
async function folderOf(
  ctx: EngineContext,
  input: { codebase: string; branch: string | number },
): Promise<{ folder: string; codebase: string; branch: number }> {
  const { workspace, codebase, branch } = await engineOf(ctx).branch(input.codebase, input.branch);
  await readBranchInfo(codebase, branch); // names the branch when it does not exist
  return {
    folder: branchLogsFolder(
      path.resolve(workspace.paths.root, workspace.manifest.logsRepository),
      input.codebase,
      branch,
    ),
    codebase: input.codebase,
    branch,
  };
}

const typeOf = (type: string | undefined): LogType | undefined => (type === undefined ? undefined : checkType(type));

export const logsRouter = router({
  list: procedure.input(branchInput.extend({ type: typeInput })).query(async ({ ctx, input }) => {
    const { folder, codebase, branch } = await folderOf(ctx, input);
    await engineOf(ctx).parts.logs?.flush();
    return { codebase, branch, files: await listLogFiles(folder, typeOf(input.type)) };
  }),

  read: procedure.input(branchInput.extend({ type: typeInput, file: z.string() })).query(async ({ ctx, input }) => {
    const { folder } = await folderOf(ctx, input);
    checkFileName(input.file);
    await engineOf(ctx).parts.logs?.flush();
    const type = typeOf(input.type) ?? (await typeOfLogFile(folder, input.file));
    return { type, file: input.file, text: await readLogFile(folder, type, input.file) };
  }),

  tail: procedure
    .input(branchInput.extend({ type: typeInput, tokens: z.number().int().positive().max(1_000_000) }))
    .query(async ({ ctx, input }) => {
      const { folder } = await folderOf(ctx, input);
      await engineOf(ctx).parts.logs?.flush();
      const type = typeOf(input.type) ?? 'pm2';
      return { type, ...(await tailLogs(folder, type, input.tokens)) };
    }),

  search: procedure
    .input(
      branchInput.extend({
        type: typeInput,
        query: z.string(),
        limit: z.number().int().positive().max(10_000).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const { folder } = await folderOf(ctx, input);
      await engineOf(ctx).parts.logs?.flush();
      return { matches: await searchLogs(folder, input.query, { type: typeOf(input.type), limit: input.limit }) };
    }),

  /** Lines as they are written, until the client goes away. */
  follow: procedure.input(branchInput.extend({ type: typeInput })).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    const logs = engineOf(ctx).parts.logs;
    if (!logs)
      throw new BranchyardError('EngineNotRunningError', 'following logs needs the live engine', {
        hint: { do: 'start-engine' },
      });
    const { codebase, branch } = await folderOf(ctx, input);
    // A reader that falls far behind loses lines rather than the engine's memory.
    yield* iterateListener<{ type: LogType; line: string }>(
      (push) => logs.follow({ codebase, branch }, typeOf(input.type), (line, type) => push({ type, line })),
      signal,
      10_000,
    );
  }),
});
