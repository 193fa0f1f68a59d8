// The preload of the sandboxed renderer: the only bridge between the page and this process. It
// exposes the typed tRPC link over IPC, and one call to store the LLM key; nothing else of
// Electron or Node reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { exposeElectronTRPC } from 'trpc-electron/main';

exposeElectronTRPC();
contextBridge.exposeInMainWorld('branchyard', {
  setKey: (key: string): Promise<{ stored: boolean }> => ipcRenderer.invoke('branchyard:set-key', key),
});
