// What `serve` loads before it has anything to build or count: every part's module is imported
// at its start, so a heavy library imported at the top of one of them is paid by every engine.
// The TypeScript compiler (~80 MB) and the tokenizer's tables (~70 MB) wait for their first use.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/index.ts';

const CLI = fileURLToPath(new URL('../cli/index.ts', import.meta.url));

describe('serve start', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => void (tmp = await tempDir()));
  afterAll(() => tmp.dispose());

  it('imports the whole engine without loading typescript or gpt-tokenizer', { timeout: 300_000 }, async () => {
    // A module hook that writes down every module the import graph resolves.
    const log = path.join(tmp.path, 'resolved.txt');
    const hooks = path.join(tmp.path, 'hooks.mjs');
    await writeFile(
      hooks,
      `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');\n  return result;\n}\n`,
    );
    const register = path.join(tmp.path, 'register.mjs');
    await writeFile(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
    );
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', register, '--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(CLI)});`],
        { timeout: 240_000 },
        (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
      ),
    );
    const resolved = (await readFile(log, 'utf8')).split('\n');
    expect(resolved.some((url) => url.includes('/core/serve/index.ts'))).toBe(true);
    expect(resolved.filter((url) => /node_modules\/(typescript|gpt-tokenizer)\//.test(url))).toEqual([]);
  });
});
