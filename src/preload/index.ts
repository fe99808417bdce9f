/**
 * The preload script: exposes `window.coconutIpc` (see `IpcBridge`) and nothing else. It runs
 * sandboxed with context isolation, so the renderer never touches Node or Electron directly.
 */
import { contextBridge, ipcRenderer } from 'electron';
import {
  IPC_CALL_CHANNEL,
  IPC_MESSAGE_CHANNEL,
  IPC_SUBSCRIBE_CHANNEL,
  IPC_UNSUBSCRIBE_CHANNEL,
  type IpcBridge,
  type SocketServerMessage,
} from '../common/transport.js';

const listeners = new Map<number, (payload: SocketServerMessage) => void>();
let nextId = 1;

ipcRenderer.on(IPC_MESSAGE_CHANNEL, (_event, payload: SocketServerMessage) => {
  listeners.get(payload.id)?.(payload);
});

const bridge: IpcBridge = {
  call: (method, request) => ipcRenderer.invoke(IPC_CALL_CHANNEL, method, request),
  subscribe(topic, params, onMessage) {
    const id = nextId++;
    listeners.set(id, onMessage);
    ipcRenderer.send(IPC_SUBSCRIBE_CHANNEL, id, topic, params);
    return () => {
      listeners.delete(id);
      ipcRenderer.send(IPC_UNSUBSCRIBE_CHANNEL, id);
    };
  },
};

contextBridge.exposeInMainWorld('coconutIpc', bridge);
