/**
 * The Electron preload (sandboxed, context-isolated): exposes `window.sdeStudio` and nothing else.
 * ipcRenderer itself never reaches the page. Bundled into one file for the sandbox, which cannot
 * require relative modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildBridgeApi } from './bridge.ts';

const api = buildBridgeApi({
  invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args),
  on: (channel, listener) => {
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
});

contextBridge.exposeInMainWorld('sdeStudio', api);
