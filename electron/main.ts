// The desktop window: this process hosts the engine for one workspace and serves its router to
// the renderer over IPC (trpc-electron). The renderer is sandboxed, with context isolation and no
// Node; the preload exposes only the IPC link and the key setter; router calls are accepted only
// from our own window showing our own page. The LLM key is kept encrypted with safeStorage,
// outside the workspace, and handed to the engine in memory.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, safeStorage, shell } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import { createIPCHandler } from 'trpc-electron/main';
import { appRouter, startGithubBridge } from '../core/api/index.ts';
import { createEventBus } from '../core/events/index.ts';
import { EngineHost } from '../core/engine/index.ts';
import { allowedFolderRoots, initWorkspace, loadWorkspace } from '../core/workspace/index.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Built by `npm start` (scripts/build-renderer.ts and scripts/build-electron.ts). */
const RENDERER = path.join(ROOT, 'dist', 'renderer', 'index.html');
const PRELOAD = path.join(ROOT, 'dist', 'electron', 'preload.cjs');
const KEY_FILE = () => path.join(app.getPath('userData'), 'llm-key.bin');

async function defaultWorkspace(): Promise<string> {
  const dataHome = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  const dir = path.resolve(process.env.BRANCHYARD_WORKSPACE ?? path.join(dataHome, 'branchyard', 'default'));
  if (!existsSync(path.join(dir, 'branchyard.json'))) await initWorkspace({ dir, name: 'default' });
  return dir;
}

async function storedKey(): Promise<string | undefined> {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  const sealed = await readFile(KEY_FILE()).catch(() => undefined);
  return sealed ? safeStorage.decryptString(sealed) : undefined;
}

async function main(): Promise<void> {
  await app.whenReady();
  const root = await defaultWorkspace();
  const workspace = await loadWorkspace(root);
  // The engine's environment, with the stored key under the name the workspace reads it by.
  const env: NodeJS.ProcessEnv = { ...process.env };
  const key = await storedKey();
  if (key && !env[workspace.ai.keyEnv]) env[workspace.ai.keyEnv] = key;
  const events = createEventBus();
  let engine: EngineHost;
  try {
    // As serve does: issues of connected repositories answered and polled (no webhooks reach a window).
    engine = await EngineHost.start({
      workspaceRoot: root,
      events,
      env,
      onStarted: (e) => startGithubBridge(e.engine),
    });
  } catch (error) {
    const { dialog } = await import('electron');
    dialog.showErrorBox(
      'Branchyard could not start its engine',
      error instanceof Error ? error.message : String(error),
    );
    app.exit(1);
    return;
  }

  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    title: `Branchyard — ${workspace.manifest.name}`,
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  const page = pathToFileURL(RENDERER).href;
  // Our page only: no navigation away, no new windows (links open in the system's browser).
  window.webContents.on('will-navigate', (event, url) => {
    if (url !== page) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://') || url.startsWith('http://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const ours = (sender: Electron.WebContents, frameUrl: string | undefined) =>
    sender.id === window.webContents.id && frameUrl === page;

  const folderRoots = allowedFolderRoots(env);
  createIPCHandler({
    router: appRouter,
    windows: [window],
    createContext: async ({ event }) => {
      if (!ours(event.sender, event.senderFrame?.url))
        throw new Error('refused: router calls are taken only from the Branchyard window');
      // Folders named in the window are held to the allowed roots (core/workspace/folder-roots.ts).
      return { ...engine.context(), folderRoots };
    },
  });
  ipcMain.handle('branchyard:set-key', async (event, value: unknown) => {
    if (!ours(event.sender, event.senderFrame?.url)) throw new Error('refused');
    if (typeof value !== 'string' || value.length === 0 || value.length > 4096)
      throw new Error('expected the key as text');
    if (!safeStorage.isEncryptionAvailable())
      throw new Error('this system offers no encrypted storage; set the key in the environment instead');
    await mkdir(path.dirname(KEY_FILE()), { recursive: true, mode: 0o700 });
    await writeFile(KEY_FILE(), safeStorage.encryptString(value), { mode: 0o600 });
    env[workspace.ai.keyEnv] = value;
    return { stored: true };
  });

  Menu.setApplicationMenu(Menu.buildFromTemplate(menu(window)));
  window.once('ready-to-show', () => window.show());
  await window.loadURL(page);

  // A closed window cancels nothing under way: the engine stops only when the app quits, after
  // letting running work record where it got to.
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    event.preventDefault();
    void Promise.resolve(engine.dispose()).finally(() => app.exit(0));
  });
}

function menu(window: BrowserWindow): MenuItemConstructorOptions[] {
  // The page opens its palette on Ctrl+K (Cmd+K on macOS); the menu item presses just that.
  const palette = () =>
    window.webContents.sendInputEvent({
      type: 'keyDown',
      keyCode: 'K',
      modifiers: [process.platform === 'darwin' ? 'meta' : 'control'],
    });
  return [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [{ role: 'quit' }] },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Command Palette', accelerator: 'CmdOrCtrl+K', click: palette },
        { type: 'separator' },
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { role: 'togglefullscreen' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'resetZoom' },
      ],
    },
    { role: 'windowMenu' },
  ];
}

void main();
