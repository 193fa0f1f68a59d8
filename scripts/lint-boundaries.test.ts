// The import boundaries of CONVENTIONS.md §1 are lint rules: this proves each one fires.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('core never imports electron/ or renderer/', async () => {
    expect(await restrictedImports('core/store/x.ts', "import { x } from '../../electron/main.ts';\nexport { x };\n")).toEqual([
      expect.stringContaining('core/ is plain Node.js'),
    ]);
    expect(await restrictedImports('core/api/x.ts', "import { app } from 'electron';\nexport { app };\n")).toHaveLength(1);
    expect(await restrictedImports('core/api/x.ts', "import { y } from '../../renderer/app.tsx';\nexport { y };\n")).toHaveLength(1);
  });

  it('another core part is reached only through its index.ts', async () => {
    expect(await restrictedImports('core/api/x.ts', "import { openStore } from '../store/open.ts';\nexport { openStore };\n")).toEqual([
      expect.stringContaining('only through its index.ts'),
    ]);
    expect(await restrictedImports('core/api/x.ts', "import { openStore } from '../store/index.ts';\nexport { openStore };\n")).toEqual([]);
  });

  it('renderer imports only types from core', async () => {
    expect(await restrictedImports('renderer/src/x.ts', "import { appRouter } from '../../core/api/index.ts';\nexport { appRouter };\n")).toEqual([
      expect.stringContaining('renderer/ may import only types from core'),
    ]);
    expect(await restrictedImports('renderer/src/x.ts', "import type { AppRouter } from '../../core/api/index.ts';\nexport type { AppRouter };\n")).toEqual([]);
  });
});
