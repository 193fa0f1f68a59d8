// The import boundaries of CONVENTIONS.md §1 are lint rules: this proves each one fires.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'branchyard/core-layers')
    .map((m) => m.message);
}

describe('import boundaries', () => {
  it('core never imports electron/ or renderer/', async () => {
    expect(
      await restrictedImports('core/store/x.ts', "import { x } from '../../electron/main.ts';\nexport { x };\n"),
    ).toEqual([expect.stringContaining('core/ is plain Node.js')]);
    expect(await restrictedImports('core/api/x.ts', "import { app } from 'electron';\nexport { app };\n")).toHaveLength(
      1,
    );
    expect(
      await restrictedImports('core/api/x.ts', "import { y } from '../../renderer/app.tsx';\nexport { y };\n"),
    ).toHaveLength(1);
  });

  it('another core part is reached only through its index.ts, from any depth and from bench, e2e and scripts', async () => {
    const deep = 'Import core/store/open.ts through core/store/index.ts, not a file inside it';
    expect(
      await restrictedImports(
        'core/api/x.ts',
        "import { openStore } from '../store/open.ts';\nexport { openStore };\n",
      ),
    ).toEqual([expect.stringContaining(deep)]);
    // Two folders down, which the old pattern did not see.
    expect(
      await restrictedImports(
        'core/agent/checks/x.ts',
        "import { typecheck } from '../../build/typecheck.ts';\nexport { typecheck };\n",
      ),
    ).toEqual([expect.stringContaining('Import core/build/typecheck.ts through core/build/index.ts')]);
    expect(
      await restrictedImports(
        'bench/store/x.ts',
        "import { openStore } from '../../core/store/open.ts';\nexport { openStore };\n",
      ),
    ).toEqual([expect.stringContaining(deep)]);
    expect(await restrictedImports('e2e/x.e2e.ts', "export { openStore } from '../core/store/open.ts';\n")).toEqual([
      expect.stringContaining(deep),
    ]);
    expect(
      await restrictedImports(
        'core/api/x.ts',
        "import { openStore } from '../store/index.ts';\nexport { openStore };\n",
      ),
    ).toEqual([]);
    // A face a part declares for a reason, and the test support of a part, from tests.
    expect(
      await restrictedImports(
        'core/agent/checks/x.ts',
        "import { typecheck } from '../../build/sandbox.ts';\nexport { typecheck };\n",
      ),
    ).toEqual([]);
    expect(
      await restrictedImports(
        'core/api/x.test.ts',
        "import { testWorkspace } from '../git/fixtures/test-workspace.ts';\nexport { testWorkspace };\n",
      ),
    ).toEqual([]);
  });

  it('lower floors never import higher ones', async () => {
    expect(
      await restrictedImports(
        'core/git/x.ts',
        "import { buildBranch } from '../build/index.ts';\nexport { buildBranch };\n",
      ),
    ).toEqual([expect.stringContaining('core/git (floor 3) may not import core/build (floor 4)')]);
    expect(
      await restrictedImports(
        'core/agent/x.ts',
        "import { GatewayManager } from '../gateway/index.ts';\nexport { GatewayManager };\n",
      ),
    ).toEqual([expect.stringContaining('may not import core/gateway')]);
    expect(
      await restrictedImports(
        'core/newpart/x.ts',
        "import { BranchyardError } from '../errors/index.ts';\nexport { BranchyardError };\n",
      ),
    ).toEqual([expect.stringContaining('core/newpart has no floor yet')]);
    expect(
      await restrictedImports(
        'core/gateway/x.ts',
        "import { Pm2Runtime } from '../runtime/index.ts';\nexport { Pm2Runtime };\n",
      ),
    ).toEqual([]);
    // The engine sits between the parts it drives (agent, gateway) and the transports (api and up).
    expect(
      await restrictedImports(
        'core/engine/x.ts',
        "import { runRevision } from '../agent/index.ts';\nexport { runRevision };\n",
      ),
    ).toEqual([]);
    expect(
      await restrictedImports('core/api/x.ts', "import { Engine } from '../engine/index.ts';\nexport { Engine };\n"),
    ).toEqual([]);
    expect(
      await restrictedImports(
        'core/engine/x.ts',
        "import { appRouter } from '../api/index.ts';\nexport { appRouter };\n",
      ),
    ).toEqual([expect.stringContaining('core/engine (floor 7) may not import core/api (floor 8)')]);
    expect(
      await restrictedImports(
        'core/gateway/x.ts',
        "import { Engine } from '../engine/index.ts';\nexport { Engine };\n",
      ),
    ).toEqual([expect.stringContaining('may not import core/engine')]);
    // GitHub issues (core/github) sit beside the agent: the engine drives them, they never reach it.
    expect(
      await restrictedImports('core/github/x.ts', "import { Engine } from '../engine/index.ts';\nexport { Engine };\n"),
    ).toEqual([expect.stringContaining('may not import core/engine')]);
    expect(
      await restrictedImports(
        'core/api/x.ts',
        "import { IssueBridge } from '../github/index.ts';\nexport { IssueBridge };\n",
      ),
    ).toEqual([]);
    // Tests are not on a floor: they may start anything they test with.
    expect(
      await restrictedImports(
        'core/gateway/x.int.test.ts',
        "import { startEngine } from '../serve/index.ts';\nexport { startEngine };\n",
      ),
    ).toEqual([]);
  });

  it('renderer imports only types from core', async () => {
    expect(
      await restrictedImports(
        'renderer/src/x.ts',
        "import { appRouter } from '../../core/api/index.ts';\nexport { appRouter };\n",
      ),
    ).toEqual([expect.stringContaining('renderer/ may import only types from core')]);
    expect(
      await restrictedImports(
        'renderer/src/x.ts',
        "import type { AppRouter } from '../../core/api/index.ts';\nexport type { AppRouter };\n",
      ),
    ).toEqual([]);
  });
});
