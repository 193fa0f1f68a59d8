// Codebases: add one (its first branch is the boilerplate) and list them.
import { z } from 'zod';
import { addCodebase, openCodebase, reindexCodebase } from '../git/index.ts';
import { listCodebaseFolders } from '../workspace/index.ts';
import { requireWorkspace } from './context.ts';
import { procedure, router } from './trpc.ts';

export const codebaseRouter = router({
  list: procedure.query(async ({ ctx }) => listCodebaseFolders((await requireWorkspace(ctx)).paths)),
  add: procedure.input(z.object({ name: z.string(), role: z.string().optional() })).mutation(async ({ ctx, input }) => {
    const workspace = await requireWorkspace(ctx);
    const state = await ctx.state();
    const added = await addCodebase({ workspace: workspace.paths, logsRepository: workspace.manifest.logsRepository, name: input.name, role: input.role, events: ctx.events });
    await reindexCodebase(state, await openCodebase(workspace.paths, added.name));
    return { name: added.name, dir: added.dir, branch: added.first.info.number, commit: added.first.info.commit, files: added.first.changes.length, workspaceCommit: added.workspaceCommit ?? null };
  }),
});
