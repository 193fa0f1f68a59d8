// The AI provider as the window sets it up: a key held in the engine's memory (the browser's
// window has no keychain; a reload keeps it, stopping the engine forgets it, no file ever holds
// it), where the key comes from, and "Test connection" against the provider.
import { z } from 'zod';
import { checkConnection } from '../provider-check/index.ts';
import { engineOf } from './context.ts';
import { procedure, router } from './trpc.ts';

/** The key names whose value this engine was given by the window, per engine environment. */
const heldInMemory = new WeakMap<NodeJS.ProcessEnv, Set<string>>();

export const aiRouter = router({
  /** Where the engine's key comes from: its environment (or the desktop keychain), the window, or nowhere. */
  keyStatus: procedure.query(async ({ ctx }) => {
    const engine = engineOf(ctx);
    const { keyEnv } = (await engine.workspace()).ai;
    const source = !engine.env[keyEnv] ? null : heldInMemory.get(engine.env)?.has(keyEnv) ? 'memory' : 'environment';
    return { keyEnv, source } as { keyEnv: string; source: 'memory' | 'environment' | null };
  }),

  /**
   * Keeps a key in the engine's memory, under the name the workspace reads it by, for as long as
   * the engine runs. The engine's environment is its own copy (serve and the desktop app make
   * one), so processes it starts do not inherit the key.
   */
  setKey: procedure.input(z.object({ key: z.string().trim().min(1).max(4096) })).mutation(async ({ ctx, input }) => {
    const engine = engineOf(ctx);
    const { keyEnv } = (await engine.workspace()).ai;
    engine.env[keyEnv] = input.key;
    const held = heldInMemory.get(engine.env) ?? new Set<string>();
    held.add(keyEnv);
    heldInMemory.set(engine.env, held);
    return { keyEnv, source: 'memory' as const };
  }),

  /** One token asked of the provider with the key the engine holds (or a key not stored yet). */
  testConnection: procedure
    .input(
      z.object({
        baseUrl: z.url({ protocol: /^https?$/ }).optional(),
        model: z.string().min(1).optional(),
        key: z.string().max(4096).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const engine = engineOf(ctx);
      const { ai } = await engine.workspace();
      return checkConnection({
        baseUrl: input.baseUrl ?? ai.baseUrl,
        model: input.model ?? ai.model,
        key: input.key || engine.env[ai.keyEnv] || undefined,
      });
    }),
});
