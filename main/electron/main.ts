/**
 * The Electron main process: one sandboxed window on the app's own `sde-studio://app/` pages, the
 * preload API wired through ipc.ts, menus and native dialogs, and the engine in a utilityProcess.
 * Everything the API does lives in engine-host/api-impl.ts, shared with browser mode.
 */
import { cp, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  session,
  utilityProcess,
  type MenuItemConstructorOptions,
} from 'electron';
import { LIMITS, type ApiHandlers, type AppEvent, type MenuCommand } from '../../preload/api.ts';
import { createApiHost, type ApiHost } from '../engine-host/api-impl.ts';
import { ENGINE_ENTRY, entryExecArgv, type EngineSpawner } from '../engine-host/engine-client.ts';
import { fileSettings } from '../engine-host/settings.ts';
import { APP_ROOT, modelRoots } from '../engine/models-dir.ts';
import { readManifest } from '../engine/score/manifest.ts';
import { rendererCsp } from '../server/csp.ts';
import { lookupStatic, mimeType } from '../server/static-files.ts';
import { forwardEvents, registerApiHandlers, sameAppUrl } from './ipc.ts';

const SCHEME = 'sde-studio';
const APP_URL = `${SCHEME}://app/index.html`;
/** A Vite dev server to load instead of the built renderer (development only). */
const DEV_URL = app.isPackaged ? undefined : process.env['SDE_STUDIO_DEV_URL'];
const PAGE_URL = DEV_URL ?? APP_URL;
const RENDERER_DIR = join(APP_ROOT, 'dist', 'renderer');
/** The preload must be one bundled CommonJS file: a sandboxed preload cannot require modules. */
const PRELOAD =
  process.env['SDE_STUDIO_PRELOAD'] ?? join(APP_ROOT, 'dist', 'preload', 'preload.cjs');
/** A bundled engine entry when packaged; the TypeScript source through tsx otherwise. */
const ENGINE = process.env['SDE_STUDIO_ENGINE'] ?? ENGINE_ENTRY;
const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff'];
const RECENT_MAX = 10;

const isTrusted = sameAppUrl(PAGE_URL);

protocol.registerSchemesAsPrivileged([
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);
app.enableSandbox();

function utilitySpawner(): EngineSpawner {
  return () => {
    const child = utilityProcess.fork(ENGINE, [], {
      serviceName: 'SDE Studio engine',
      stdio: 'inherit',
      execArgv: entryExecArgv(ENGINE),
    });
    return {
      postMessage: (message) => child.postMessage(message),
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.once('exit', (code) => listener(`exit code ${code}`)),
      kill: () => {
        child.kill();
      },
    };
  };
}

/** The built renderer under sde-studio://app/, with the same file rules as browser mode. */
function serveRenderer(): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('not found', { status: 404 });
    const found = await lookupStatic(RENDERER_DIR, url.pathname);
    if (found.kind !== 'file') {
      return new Response(found.kind, { status: found.kind === 'refused' ? 403 : 404 });
    }
    return new Response(await readFile(found.path), {
      headers: {
        'Content-Type': mimeType(found.path),
        'Content-Security-Policy': rendererCsp(),
        'X-Content-Type-Options': 'nosniff',
      },
    });
  });
}

function lockDownSessions(): void {
  const csp = rendererCsp(DEV_URL ? [new URL(DEV_URL).origin.replace(/^http/, 'ws')] : []);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(false),
  );
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    const guard = (event: { preventDefault(): void }, url: string) => {
      if (!isTrusted(url)) event.preventDefault();
    };
    contents.on('will-navigate', guard);
    contents.on('will-redirect', guard);
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

class RecentFiles {
  private paths: string[] = [];
  constructor(private readonly file: string) {}

  async load(): Promise<void> {
    try {
      const data: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      if (Array.isArray(data))
        this.paths = data.filter((p): p is string => typeof p === 'string').slice(0, RECENT_MAX);
    } catch {
      this.paths = [];
    }
  }

  list(): readonly string[] {
    return this.paths;
  }

  async add(path: string): Promise<void> {
    this.paths = [path, ...this.paths.filter((p) => p !== path)].slice(0, RECENT_MAX);
    app.addRecentDocument(path);
    await writeFile(this.file, JSON.stringify(this.paths));
  }
}

function saveBytesWith(window: () => BrowserWindow | null): ApiHandlers['saveBytes'] {
  return async ({ bytes, suggestedName, kind }) => {
    const filters =
      kind === 'animation'
        ? [{ name: 'GIF animation', extensions: ['gif'] }]
        : [{ name: 'PNG image', extensions: ['png'] }];
    const options = {
      defaultPath: join(app.getPath('pictures'), basename(suggestedName)),
      filters,
    };
    const win = window();
    const choice = win
      ? await dialog.showSaveDialog(win, options)
      : await dialog.showSaveDialog(options);
    if (choice.canceled || !choice.filePath) return null;
    // Written beside the target and renamed: a crash never leaves half a file where the user looks.
    const tmp = `${choice.filePath}.partial`;
    await writeFile(tmp, bytes);
    await rename(tmp, choice.filePath);
    return { path: choice.filePath };
  };
}

async function main(): Promise<void> {
  await app.whenReady();
  const userData = app.getPath('userData');
  const userModels = join(userData, 'models');
  await mkdir(userModels, { recursive: true });
  const recent = new RecentFiles(join(userData, 'recent.json'));
  await recent.load();

  let window: BrowserWindow | null = null;
  const host: ApiHost = createApiHost({
    spawn: utilitySpawner(),
    // Packaged, the bundled models sit beside the asar (electron-builder extraResources).
    modelRoots: [
      ...modelRoots(),
      ...(app.isPackaged ? [join(process.resourcesPath, 'models')] : []),
      userModels,
    ],
    settings: await fileSettings(join(userData, 'settings.json')),
    capabilities: { host: 'electron', canSaveToDisk: true },
    saveBytes: saveBytesWith(() => window),
  });
  registerApiHandlers(ipcMain, host.handlers, isTrusted);
  serveRenderer();
  lockDownSessions();

  const showError = (title: string, e: unknown) =>
    dialog.showErrorBox(title, e instanceof Error ? e.message : String(e));
  const send = (event: AppEvent) => host.emit(event);
  const menu = (command: MenuCommand) => () => send({ type: 'menu', command });

  const openPath = async (path: string) => {
    try {
      const document = await host.handlers.openImage({ path });
      send({ type: 'document-opened', document });
      await recent.add(path);
      buildMenu();
    } catch (e) {
      showError(`Cannot open ${basename(path)}`, e);
    }
  };

  const openDialog = async () => {
    const choice = await dialog.showOpenDialog({
      properties: ['openFile'],
      filters: [{ name: 'Images', extensions: IMAGE_EXTENSIONS }],
    });
    if (!choice.canceled && choice.filePaths[0]) await openPath(choice.filePaths[0]);
  };

  const importMask = async () => {
    const choice = await dialog.showOpenDialog({
      properties: ['openFile'],
      filters: [{ name: 'Mask images', extensions: IMAGE_EXTENSIONS }],
    });
    const path = choice.filePaths[0];
    if (choice.canceled || !path) return;
    try {
      const { size } = await stat(path);
      if (size > LIMITS.maxMaskBytes)
        throw new Error(`the mask file is larger than ${LIMITS.maxMaskBytes} bytes`);
      send({ type: 'mask-imported', name: basename(path), bytes: await readFile(path) });
    } catch (e) {
      showError('Cannot import the mask', e);
    }
  };

  /** Copies a checked model folder into the user's models; ONNX is checked when the engine loads it. */
  const importModel = async () => {
    const choice = await dialog.showOpenDialog({ properties: ['openDirectory'] });
    const dir = choice.filePaths[0];
    if (choice.canceled || !dir) return;
    try {
      const manifest = await readManifest(dir);
      const target = join(userModels, manifest.id);
      const exists = await stat(target).then(
        () => true,
        () => false,
      );
      if (exists) {
        const answer = await dialog.showMessageBox({
          type: 'question',
          buttons: ['Replace', 'Cancel'],
          defaultId: 1,
          message: `A model "${manifest.id}" is installed already. Replace it?`,
        });
        if (answer.response !== 0) return;
      }
      await cp(dir, target, { recursive: true, force: true });
      send({ type: 'models-changed' });
    } catch (e) {
      showError('Cannot import the model', e);
    }
  };

  function buildMenu(): void {
    const mac = process.platform === 'darwin';
    const recentItems: MenuItemConstructorOptions[] =
      recent.list().length > 0
        ? recent.list().map((path) => ({
            label: basename(path),
            toolTip: path,
            click: () => void openPath(path),
          }))
        : [{ label: 'No recent files', enabled: false }];
    const template: MenuItemConstructorOptions[] = [
      ...(mac ? [{ role: 'appMenu' as const }] : []),
      {
        label: 'File',
        submenu: [
          { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => void openDialog() },
          { label: 'Open Recent', submenu: recentItems },
          { type: 'separator' },
          { label: 'Save Result…', accelerator: 'CmdOrCtrl+S', click: menu('save-result') },
          { label: 'Export…', accelerator: 'CmdOrCtrl+Shift+E', click: menu('export') },
          { type: 'separator' },
          { label: 'Import Mask…', click: () => void importMask() },
          { label: 'Export Mask…', click: menu('export-mask') },
          { type: 'separator' },
          { label: 'Import Model…', click: () => void importModel() },
          ...(mac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
        ],
      },
      {
        label: 'Edit',
        submenu: [
          { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: menu('undo') },
          { label: 'Redo', accelerator: 'CmdOrCtrl+Shift+Z', click: menu('redo') },
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
          { label: 'Zoom In', accelerator: 'CmdOrCtrl+=', click: menu('zoom-in') },
          { label: 'Zoom Out', accelerator: 'CmdOrCtrl+-', click: menu('zoom-out') },
          { label: 'Fit to Window', accelerator: 'CmdOrCtrl+0', click: menu('zoom-fit') },
          { label: 'Actual Size', accelerator: 'CmdOrCtrl+1', click: menu('zoom-100') },
          ...(app.isPackaged
            ? []
            : [{ type: 'separator' as const }, { role: 'toggleDevTools' as const }]),
        ],
      },
    ];
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  const createWindow = () => {
    const win = new BrowserWindow({
      width: 1400,
      height: 900,
      show: false,
      title: 'SDE Studio',
      webPreferences: {
        preload: PRELOAD,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webSecurity: true,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
      },
    });
    const stopForwarding = forwardEvents(host.onEvent, (channel, event) => {
      if (!win.isDestroyed()) win.webContents.send(channel, event);
    });
    win.on('closed', () => {
      stopForwarding();
      if (window === win) window = null;
    });
    win.once('ready-to-show', () => win.show());
    void win.loadURL(PAGE_URL);
    window = win;
  };

  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => host.dispose());
}

main().catch((e: unknown) => {
  dialog.showErrorBox('SDE Studio could not start', e instanceof Error ? e.message : String(e));
  app.exit(1);
});
