// What a command's action is given, and how main runs one: the types every `*-commands.ts`
// registers against, kept apart from main.ts so the command files never import it back.
import type { EventBus } from '../events/index.ts';
import type { EngineClient } from './engine-client.ts';

export interface CommandContext {
  api: EngineClient;
  json: boolean;
  /** Located before the action runs; present whenever the command needs a workspace. */
  workspaceRoot: string | undefined;
  events: EventBus;
}

/** Wraps an action into a commander handler: builds the engine context, calls, prints, sets the exit status. */
export type Run = (needsWorkspace: boolean, action: (command: CommandContext) => Promise<void>) => () => Promise<void>;
