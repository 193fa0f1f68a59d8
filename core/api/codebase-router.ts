// Codebases: add one (its first branch is the boilerplate) and list them.
import { z } from 'zod';
import { addCodebase, openCodebase } from '../git/index.ts';
import { reindexCodebase } from '../revisions/index.ts';
import { listCodebaseFolders } from '../workspace/index.ts';
import { engineOf } from './context.ts';
import { procedure, router } from './trpc.ts';

export const codebaseRouter = router({
  list: procedure.query(async ({ ctx }) => listCodebaseFolders((await engineOf(ctx).workspace()).paths)),
  add: procedure.input(z.object({ name: z.string(), role: z.string().optional() })).mutation(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    const workspace = await engine.workspace();
    const state = await engine.parts.state();
    const added = await addCodebase({
      workspace: workspace.paths,
      logsRepository: workspace.manifest.logsRepository,
      name: input.name,
      role: input.role,
      events: engine.events,
    });
    await reindexCodebase(state, await openCodebase(workspace.paths, added.name));
    return {
      name: added.name,
      dir: added.dir,
      branch: added.first.info.number,
      commit: added.first.info.commit,
      files: added.first.changes.length,
      workspaceCommit: added.workspaceCommit ?? null,
    };
  }),
});
