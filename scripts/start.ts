// `npm start`: the IDE on the default workspace (created on first run). Where the Electron
// binary is absent it says so and serves the same UI in the browser.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../core/cli/index.ts';
import { electronBinary } from '../core/doctor/index.ts';
import { buildElectron } from './build-electron.ts';
import { buildRenderer } from './build-renderer.ts';

const dataHome = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
const workspace = path.resolve(process.env.BRANCHYARD_WORKSPACE ?? path.join(dataHome, 'branchyard', 'default'));
const port = process.env.BRANCHYARD_PORT ?? '7400';

if (!existsSync(path.join(workspace, 'branchyard.json'))) {
  console.error(`First start: creating the default workspace at ${workspace}`);
  const code = await main(['init', workspace, '--name', 'default']);
  if (code !== 0) process.exit(code);
}

console.error('Building the UI…');
await buildRenderer();

const electron = electronBinary(process.env);
if (electron.ok) {
  await buildElectron();
  console.error(`Opening the desktop window (Electron at ${electron.path})…`);
  const child = spawn(electron.path, [fileURLToPath(new URL('..', import.meta.url))], {
    stdio: 'inherit',
    env: { ...process.env, BRANCHYARD_WORKSPACE: workspace },
  });
  process.exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
} else {
  console.error(`Electron cannot start here (${electron.reason}); serving the same UI in the browser instead.`);
  process.exitCode = await main(['--workspace', workspace, 'serve', '--port', port]);
}
