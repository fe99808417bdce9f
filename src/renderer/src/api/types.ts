/** What the renderer's API clients offer on top of the contract's `WorkbenchApi`. */
import type { ApiError, TopicMessageOf, TopicName, TopicParamsOf, WorkbenchApi } from '../../../common/api';

/**
 * `connecting`: first attempt, nothing received yet; `open`: live; `reconnecting`: the link dropped
 * (or never came up) and the client is retrying with backoff.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface SubscribeOptions {
  /** The subscription could not start (or the host ended it with an error). */
  onError?: (error: ApiError) => void;
  /**
   * The link dropped and came back, and the subscription is being sent again (with
   * `resubscribeParams` when given, else the same params, which replays a run's whole history).
   */
  onResubscribed?: () => void;
}

export interface TopicSubscribeOptions<T extends TopicName> extends SubscribeOptions {
  /**
   * The params to send when the link comes back, asked for then: a cursor, so the host sends only
   * what was missed. Only the HTTP transport's link can drop; IPC never resubscribes.
   */
  resubscribeParams?: () => TopicParamsOf<T>;
}

export interface ClientApi extends WorkbenchApi {
  readonly transport: 'ipc' | 'http';
  subscribe<T extends TopicName>(
    topic: T,
    params: TopicParamsOf<T>,
    onMessage: (message: TopicMessageOf<T>) => void,
    options?: TopicSubscribeOptions<T>,
  ): () => void;
  connectionState(): ConnectionState;
  /** Calls `listener` on every change of the live link; returns a function that stops it. */
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
}
