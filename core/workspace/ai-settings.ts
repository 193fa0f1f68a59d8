// Changing the AI settings (`ai/config.json`) from the settings pane: provider, endpoint, model
// and budgets. The whole file is validated before it is written (a bad value is refused with its
// field named and the file left as it was), then replaced in one rename. The key is never here.
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { AiConfig } from './schemas.ts';
import { aiSchema } from './schemas.ts';
import { problemsFromZod, WorkspaceConfigError } from './problems.ts';
import type { WorkspacePaths } from './paths.ts';

export type AiSettingsPatch = Partial<Pick<AiConfig, 'provider' | 'baseUrl' | 'model'>> & {
  budget?: Partial<AiConfig['budget']>;
};

const AI_CONFIG_FILE = 'ai/config.json';

export async function updateAiSettings(paths: WorkspacePaths, patch: AiSettingsPatch): Promise<AiConfig> {
  const file = paths.aiConfig;
  const current = JSON.parse(await readFile(file, 'utf8')) as AiConfig;
  const next = { ...current, ...patch, budget: { ...current.budget, ...patch.budget } };
  const checked = aiSchema.safeParse(next, { reportInput: true });
  if (!checked.success) throw new WorkspaceConfigError(problemsFromZod(AI_CONFIG_FILE, checked.error));
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(checked.data, null, 2)}\n`);
  await rename(temporary, file);
  return checked.data;
}
