/** Chooses the transport: Electron IPC when the preload bridge is there, the HTTP host otherwise. */
import { createHttpApi } from './httpClient';
import { createIpcApi } from './ipcClient';
import type { ClientApi } from './types';

export type { ClientApi, ConnectionState, SubscribeOptions, TopicSubscribeOptions } from './types';

export function createApi(): ClientApi {
  const bridge = window.coconutIpc;
  return bridge ? createIpcApi(bridge) : createHttpApi();
}
