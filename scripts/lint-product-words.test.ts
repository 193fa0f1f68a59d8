// Core's strings speak of the product, not of CLI commands (issue 18): this proves the rule
// fires on a message that names one, and spares what may (comments, the CLI, tests, ALLOWED).
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function commandsNamed(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'branchyard/product-words').map((m) => m.message);
}

describe('core names no CLI command', () => {
  it('finds a command in a message, plain or with its words interpolated', async () => {
    expect(
      await commandsNamed(
        'core/agent/x.ts',
        'export const a = (c: string) => `waiting for an answer; give it with \\`branchyard answer ${c} 1\\``;\n',
      ),
    ).toEqual([expect.stringContaining('"branchyard answer" names a command of the CLI')]);
    expect(
      await commandsNamed(
        'core/git/x.ts',
        "export const b = 'no codebases yet; add one with `branchyard codebase add`';\n",
      ),
    ).toHaveLength(1);
    expect(
      await commandsNamed('core/serve/x.ts', 'export const c = (n: string) => `run branchyard ${n} again`;\n'),
    ).toEqual([expect.stringContaining('"branchyard x"')]);
  });

  it('spares the product, comments, the CLI, tests and their support', async () => {
    const named = "export const a = 'start it with `branchyard serve`';\n";
    expect(
      await commandsNamed(
        'core/workspace/x.ts',
        "// Written by `branchyard init`.\nexport const a = 'not a Branchyard workspace (it has no branchyard.json)';\n",
      ),
    ).toEqual([]);
    expect(await commandsNamed('core/cli/x.ts', named)).toEqual([]);
    expect(await commandsNamed('core/gateway/x.test.ts', named)).toEqual([]);
    expect(await commandsNamed('core/gateway/fixtures/x.ts', named)).toEqual([]);
    expect(await commandsNamed('core/testing/x.ts', named)).toEqual([]);
  });

  it('allows a listed document only the command it is listed with', async () => {
    const file = 'core/logs/logs-repository.ts';
    expect(
      await commandsNamed(file, "export const a = 'Read them with `branchyard logs <codebase> <branch>`';\n"),
    ).toEqual([]);
    expect(await commandsNamed(file, "export const a = 'start it with `branchyard serve`';\n")).toHaveLength(1);
  });
});
