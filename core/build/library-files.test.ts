// Library files parsed once serve every later program, and a library that changes on disk is
// parsed again: real TypeScript programs over real files.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';
import { libraryCachingHost } from './library-files.ts';
import { compilerOptions } from './typecheck.ts';
import { typescript } from './typescript.ts';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => void (tmp = await tempDir()));
afterEach(async () => tmp.dispose());

async function project(name: string, libraryText: string): Promise<string> {
  const dir = path.join(tmp.path, name);
  await mkdir(path.join(dir, 'node_modules', 'shapes'), { recursive: true });
  await mkdir(path.join(dir, 'src'), { recursive: true });
  await writeFile(
    path.join(dir, 'node_modules', 'shapes', 'package.json'),
    '{ "name": "shapes", "types": "index.d.ts" }',
  );
  await writeFile(path.join(dir, 'node_modules', 'shapes', 'index.d.ts'), libraryText);
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }');
  await writeFile(
    path.join(dir, 'src', 'main.ts'),
    "import type { Shape } from 'shapes';\nexport const s: Shape = { sides: 3 };\n",
  );
  return dir;
}

function program(dir: string) {
  const ts = typescript();
  const options = { ...compilerOptions(), types: [] };
  return ts.createProgram({
    rootNames: [path.join(dir, 'src', 'main.ts')],
    options,
    host: libraryCachingHost(options),
  });
}

describe('library files kept between programs', () => {
  it("reuses a parsed library file and the compiler's lib, but reads the branch's own files again", async () => {
    const dir = await project('a', 'export interface Shape { sides: number }\n');
    const first = program(dir);
    const second = program(dir);
    const library = path.join(dir, 'node_modules', 'shapes', 'index.d.ts');
    expect(second.getSourceFile(library)).toBe(first.getSourceFile(library));
    const lib = first.getSourceFiles().find((f) => /lib\.es\d+\.d\.ts$/.test(f.fileName))!;
    expect(second.getSourceFile(lib.fileName)).toBe(lib);
    const own = path.join(dir, 'src', 'main.ts');
    expect(second.getSourceFile(own)).not.toBe(first.getSourceFile(own));
    // The checker's answers are the program's own: both see the same, correct types.
    expect(typescript().getPreEmitDiagnostics(second)).toEqual([]);
  });

  it('parses a library file again once it changed on disk, and the new text is what the checker sees', async () => {
    const dir = await project('b', 'export interface Shape { sides: number }\n');
    const library = path.join(dir, 'node_modules', 'shapes', 'index.d.ts');
    const before = program(dir).getSourceFile(library);
    await writeFile(library, 'export interface Shape { sides: string }\n');
    const after = program(dir);
    expect(after.getSourceFile(library)).not.toBe(before);
    const errors = typescript()
      .getPreEmitDiagnostics(after)
      .map((d) => typescript().flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([expect.stringContaining("Type 'number' is not assignable to type 'string'")]);
  });
});
