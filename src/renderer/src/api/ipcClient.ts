/** The API over Electron IPC, through the bridge the preload script exposes as `window.coconutIpc`. */
import {
  ApiError,
  type MethodName,
  type RequestOf,
  type ResponseOf,
  type TopicMessageOf,
  type TopicName,
  type TopicParamsOf,
} from '../../../common/api';
import type { IpcBridge } from '../../../common/transport';
import { decodeReply, decodeTopicMessage, toApiError } from './decode';
import type { ClientApi, SubscribeOptions } from './types';

export function createIpcApi(bridge: IpcBridge): ClientApi {
  async function call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
    let reply: unknown;
    try {
      reply = await bridge.call(method, request ?? {});
    } catch (cause) {
      throw new ApiError('internal', `IPC call ${method} failed (${cause instanceof Error ? cause.message : String(cause)}).`);
    }
    return decodeReply(method, reply);
  }

  function subscribe<T extends TopicName>(
    topic: T,
    params: TopicParamsOf<T>,
    onMessage: (message: TopicMessageOf<T>) => void,
    options: SubscribeOptions = {},
  ): () => void {
    return bridge.subscribe(topic, params, (payload) => {
      if ('error' in payload) {
        const error = toApiError(payload.error);
        if (options.onError) options.onError(error);
        else console.warn(`subscription ${topic}:`, error.message);
        return;
      }
      const message = decodeTopicMessage(topic, payload.message);
      if (message instanceof ApiError) {
        console.warn(message.message, message.issues);
        return;
      }
      onMessage(message);
    });
  }

  return {
    transport: 'ipc',
    call,
    subscribe,
    // IPC to the main process does not drop the way a socket does.
    connectionState: () => 'open',
    onConnectionChange: () => () => undefined,
  };
}
