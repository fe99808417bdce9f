/**
 * The Electron entry: the only module that imports `electron`. It creates the window and
 * carries the workbench API over IPC; everything else is the same plain-Node services that
 * `coconut serve` uses.
 */
import { app, BrowserWindow, ipcMain, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import {
  IPC_CALL_CHANNEL,
  IPC_MESSAGE_CHANNEL,
  IPC_SUBSCRIBE_CHANNEL,
  IPC_UNSUBSCRIBE_CHANNEL,
  type SocketServerMessage,
} from '../common/transport.js';
import { ApiDispatcher, toApiError } from '../node/api/dispatch.js';
import { Workbench } from '../node/workbench/workbench.js';

const workbench = new Workbench();
const dispatcher = new ApiDispatcher(workbench);

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

function wireIpc(): void {
  ipcMain.handle(IPC_CALL_CHANNEL, (_event, method: unknown, request: unknown) =>
    dispatcher.call(String(method), request, { transport: 'ipc' }),
  );
  ipcMain.on(IPC_SUBSCRIBE_CHANNEL, (event, id: number, topic: unknown, params: unknown) => {
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
    const map = subscriptionsOf(event.sender);
    map.get(id)?.();
    map.delete(id);
  });
}

function createWindow(): void {
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
    },
  });
  window.once('ready-to-show', () => window.show());
  // Links leave the app for the system browser; the app itself never navigates away.
  window.webContents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url);
    return { action: 'deny' };
  });
  const devServer = process.env.ELECTRON_RENDERER_URL;
  if (devServer) void window.loadURL(devServer);
  else void window.loadFile(join(import.meta.dirname, '../renderer/index.html'));
}

app.whenReady().then(() => {
  workbench.start();
  wireIpc();
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
