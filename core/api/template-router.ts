// The workspace's mother: what it changed since the workspace last took it, and taking that.
import { fileURLToPath } from 'node:url';
import { isMotherUrl, pullTemplate, templateDiff } from '../template/index.ts';
import type { EngineContext } from './context.ts';
import { engineOf, hostFolder } from './context.ts';
import { procedure, router } from './trpc.ts';

/** `init --from`: a mother on this machine is a host folder like any other (a file:// URL is checked as its path). */
export async function motherFolder(ctx: EngineContext, from: string): Promise<string> {
  if (!isMotherUrl(from)) return hostFolder(ctx, 'template folder', from);
  if (/^file:\/\//i.test(from)) await hostFolder(ctx, 'template repository', fileURLToPath(from));
  return from; // other URLs are the mother reader's to accept or refuse by name
}

// The root, not the workspace: a pull may be what brings a broken config back in step with the mother.
const workspaceRoot = (ctx: EngineContext) => engineOf(ctx).root();

export const templateRouter = router({
  diff: procedure.query(({ ctx }) => templateDiff(workspaceRoot(ctx))),
  pull: procedure.mutation(({ ctx }) => pullTemplate(workspaceRoot(ctx))),
});
