/**
 * The API over the `serve` host: `POST /api/<method>` for calls (the session cookie carries the
 * token) and one shared WebSocket at `/ws` for subscriptions.
 */
import {
  ApiError,
  type MethodName,
  type RequestOf,
  type ResponseOf,
  type TopicMessageOf,
  type TopicName,
  type TopicParamsOf,
} from '../../../common/api';
import { API_PATH_PREFIX, SOCKET_PATH } from '../../../common/transport';
import { decodeReply, decodeTopicMessage } from './decode';
import { SocketMux, type SocketFactory, type SocketMuxOptions } from './socket';
import type { ClientApi, ConnectionState, TopicSubscribeOptions } from './types';

export interface HttpClientOptions extends SocketMuxOptions {
  /** Origin of the host, e.g. `http://127.0.0.1:5123`; defaults to the page's. */
  origin?: string;
  fetch?: typeof fetch;
  socketFactory?: SocketFactory;
}

export function socketUrl(origin: string): string {
  const url = new URL(SOCKET_PATH, origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function createHttpApi(options: HttpClientOptions = {}): ClientApi & { close(): void } {
  const origin = options.origin ?? window.location.origin;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const factory: SocketFactory = options.socketFactory ?? ((url) => new WebSocket(url) as unknown as ReturnType<SocketFactory>);
  const mux = new SocketMux(socketUrl(origin), factory, options);

  async function call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
    let response: Response;
    try {
      response = await doFetch(new URL(`${API_PATH_PREFIX}${method}`, origin).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request ?? {}),
        credentials: 'same-origin',
      });
    } catch (cause) {
      throw new ApiError('internal', `Cannot reach the workbench host (${cause instanceof Error ? cause.message : String(cause)}).`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      if (response.status === 401) {
        throw new ApiError('unauthorized', 'Not authorized: open the URL with the token that `coconut serve` printed.');
      }
      throw new ApiError('internal', `The host answered ${method} with HTTP ${response.status} and no JSON.`);
    }
    return decodeReply(method, body);
  }

  function subscribe<T extends TopicName>(
    topic: T,
    params: TopicParamsOf<T>,
    onMessage: (message: TopicMessageOf<T>) => void,
    subscribeOptions: TopicSubscribeOptions<T> = {},
  ): () => void {
    const onError = subscribeOptions.onError ?? ((error: ApiError) => console.warn(`subscription ${topic}:`, error.message));
    return mux.subscribe(
      topic,
      params,
      (raw) => {
        const message = decodeTopicMessage(topic, raw);
        if (message instanceof ApiError) {
          console.warn(message.message, message.issues);
          return;
        }
        onMessage(message);
      },
      onError,
      subscribeOptions.onResubscribed ?? (() => undefined),
      subscribeOptions.resubscribeParams,
    );
  }

  return {
    transport: 'http',
    call,
    subscribe,
    connectionState: (): ConnectionState => mux.connectionState(),
    onConnectionChange: (listener) => mux.onConnectionChange(listener),
    close: () => mux.close(),
  };
}
