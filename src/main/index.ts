/**
 * The Electron entry: the only module that imports `electron`. It creates the window and
 * carries the workbench API over IPC; everything else is the same plain-Node services that
 * `coconut serve` uses.
 *
 * Electron's security checklist is decided in `src/node/desktop/appSecurity.ts` (tested there);
 * this file only wires those decisions to Electron's events.
 */
import { app, BrowserWindow, ipcMain, session, shell, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { join } from 'node:path';
import { ApiError } from '../common/api.js';
import {
  IPC_CALL_CHANNEL,
  IPC_MESSAGE_CHANNEL,
  IPC_SUBSCRIBE_CHANNEL,
  IPC_UNSUBSCRIBE_CHANNEL,
  type SocketServerMessage,
} from '../common/transport.js';
import { ApiDispatcher, toApiError } from '../node/api/dispatch.js';
import { allowedExternalUrl, appPage, devServerUrl, isAppUrl, isTrustedSender, permissionGranted } from '../node/desktop/appSecurity.js';
import { Workbench } from '../node/workbench/workbench.js';

const page = appPage(join(import.meta.dirname, '../renderer/index.html'), devServerUrl(process.env, app.isPackaged));

/** Whether an IPC message comes from the app's own page (not an iframe, not a page navigated elsewhere). */
function fromAppPage(event: IpcMainEvent | IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return isTrustedSender(frame ? { url: frame.url, topLevel: frame.parent === null } : null, page);
}

/** Live subscriptions per window, ended when the window goes. */
const subscriptions = new Map<WebContents, Map<number, () => void>>();

function subscriptionsOf(contents: WebContents): Map<number, () => void> {
  let map = subscriptions.get(contents);
  if (!map) {
    const created = new Map<number, () => void>();
    subscriptions.set(contents, created);
    contents.once('destroyed', () => {
      for (const stop of created.values()) stop();
      subscriptions.delete(contents);
    });
    map = created;
  }
  return map;
}

function wireIpc(dispatcher: ApiDispatcher): void {
  ipcMain.handle(IPC_CALL_CHANNEL, (event, method: unknown, request: unknown) => {
    if (!fromAppPage(event)) {
      return { ok: false, error: new ApiError('unauthorized', 'only the workbench page may call the workbench').toBody() };
    }
    return dispatcher.call(String(method), request, { transport: 'ipc' });
  });
  ipcMain.on(IPC_SUBSCRIBE_CHANNEL, (event, id: number, topic: unknown, params: unknown) => {
    if (!fromAppPage(event)) return;
    const contents = event.sender;
    const map = subscriptionsOf(contents);
    map.get(id)?.();
    const send = (payload: SocketServerMessage): void => {
      if (!contents.isDestroyed()) contents.send(IPC_MESSAGE_CHANNEL, payload);
    };
    try {
      map.set(id, dispatcher.subscribe(String(topic), params, (message) => send({ id, message })));
    } catch (error) {
      send({ id, error: toApiError(error).toBody() });
    }
  });
  ipcMain.on(IPC_UNSUBSCRIBE_CHANNEL, (event, id: number) => {
    if (!fromAppPage(event)) return;
    const map = subscriptionsOf(event.sender);
    map.get(id)?.();
    map.delete(id);
  });
}

/** Every web contents, now or later: no navigation away, no new windows, no webviews. */
function guardContents(): void {
  app.on('web-contents-created', (_created, contents) => {
    // The app routes by hash, which is not a navigation; anything else would leave the app.
    contents.on('will-frame-navigate', (event) => {
      if (!isAppUrl(event.url, page)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      if (!isAppUrl(event.url, page)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    // Links leave the app for the system browser only when they are https to a host the app links to.
    contents.setWindowOpenHandler(({ url }) => {
      const external = allowedExternalUrl(url);
      if (external) void shell.openExternal(external);
      return { action: 'deny' };
    });
  });
}

function guardPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionGranted(permission, details.requestingUrl, page)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    permissionGranted(permission, details.requestingUrl, page),
  );
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Coconut Workbench',
    show: false,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  if (page.kind === 'dev') void window.loadURL(page.origin);
  else void window.loadFile(page.indexPath);
  return window;
}

/** Two instances would both follow the same runs and fight over them: the second hands over to the first. */
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const workbench = new Workbench();
  const dispatcher = new ApiDispatcher(workbench);

  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  guardContents();

  app.whenReady().then(() => {
    guardPermissions();
    workbench.start();
    wireIpc(dispatcher);
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });

  app.on('window-all-closed', () => {
    // Running training jobs keep going; the next start of the workbench follows them again.
    workbench.jobs.close();
    // A dataset being generated lives in this process: stop it and remove its hidden folder first.
    void workbench.datasetJobs.close().finally(() => app.quit());
  });
}
