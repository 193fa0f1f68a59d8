// electron-builder.yml as electron-builder itself reads it. Building the packages needs the
// Electron binary, which these machines cannot download, so this checks what can be checked
// without it: electron-builder's own schema accepts the file (and refuses a misspelt field), and
// the files it packs hold everything the app loads at run time and none of the tests.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const load = () => getConfig(ROOT, 'electron-builder.yml', null);
const validate = (config: Configuration) => validateConfiguration(config, new DebugLogger(false));

/** Whether electron-builder's `files` list (globs, `!` to leave out; the last match wins) takes a path. */
function packed(files: string[], file: string): boolean {
  let taken = false;
  for (const pattern of files) {
    if (pattern.startsWith('!')) {
      if (minimatch(file, pattern.slice(1), { dot: true })) taken = false;
    } else if (minimatch(file, pattern, { dot: true })) taken = true;
  }
  return taken;
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema, which refuses a misspelt field", async () => {
    const config = await load();
    await expect(validate(config)).resolves.toBeUndefined();
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.win?.target).toEqual(['nsis']);
    await expect(
      validate({ ...config, linux: { ...config.linux, categroy: 'Development' } as Configuration['linux'] }),
    ).rejects.toThrow(/configuration\.linux/);
  });

  it('packs what the app loads at run time, with node-pty outside the archive, and none of the tests', async () => {
    const config = await load();
    // getConfig hands the list back as file sets.
    const files = (config.files as Array<string | { filter?: string[] }>).flatMap((set) =>
      typeof set === 'string' ? [set] : (set.filter ?? []),
    );
    const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
    };
    // Only production dependencies are packed: the main process runs its TypeScript through tsx.
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['tsx', 'node-pty', 'pm2']));
    const mainSource = await readFile(path.join(ROOT, 'electron', 'main.ts'), 'utf8');
    // The preload the window loads (built by scripts/build-electron.ts).
    expect(mainSource).toContain("path.join(ROOT, 'dist', 'electron', 'preload.cjs')");
    for (const needed of [
      manifest.main,
      'electron/main.ts',
      'dist/electron/preload.cjs',
      'dist/renderer/index.html',
      'core/serve/index.ts',
      'core/schema/schema-tool.mjs',
      'templates/workspace/gateways/staging.json',
      'node_modules/node-pty/package.json',
    ]) {
      expect(packed(files, needed), `${needed} is packed`).toBe(true);
    }
    for (const left of [
      'core/api/router.test.ts',
      'core/gateway/gateway.int.test.ts',
      'core/agent/fixtures/scripted-llm.ts',
    ]) {
      expect(packed(files, left), `${left} is left out`).toBe(false);
    }
    // What is packed from the sources exists (the dist/ files are built by `npm run dist` first).
    for (const source of [
      manifest.main,
      'electron/main.ts',
      'core/schema/schema-tool.mjs',
      'templates/workspace/gateways/staging.json',
    ]) {
      expect(existsSync(path.join(ROOT, source)), source).toBe(true);
    }
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/node-pty/**']));
    expect(config.npmRebuild).toBe(true);
  });
});
