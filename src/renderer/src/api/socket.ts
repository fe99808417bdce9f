/**
 * One shared WebSocket carrying every subscription of the HTTP transport.
 *
 * Subscriptions are numbered by the client; the host answers `{id, message}` or `{id, error}`.
 * When the socket drops, the client retries with exponential backoff and, once it is back, sends
 * every live subscription again (each subscriber hears about it through `onResubscribed`, and may
 * give the params to send again: a cursor, so that only what was missed comes).
 */
import type { ApiError } from '../../../common/api';
import type { SocketClientMessage } from '../../../common/transport';
import { toApiError } from './decode';
import type { ConnectionState } from './types';

/** The part of the browser's `WebSocket` this module uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export interface SocketMuxOptions {
  /** Delay before reconnect attempt `attempt` (0-based), in ms. */
  backoff?: (attempt: number) => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

const OPEN = 1;

export function defaultBackoff(attempt: number): number {
  const base = Math.min(10_000, 400 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

interface Subscription {
  id: number;
  topic: string;
  params: unknown;
  onMessage: (raw: unknown) => void;
  onError: (error: ApiError) => void;
  onResubscribed: () => void;
  /** The params of a re-subscription (a cursor), when they differ from the first. */
  paramsAgain: (() => unknown) | undefined;
  /** Sent on a socket that has since closed: the next send is a re-subscription. */
  sentBefore: boolean;
}

export class SocketMux {
  private socket: SocketLike | null = null;
  private readonly subs = new Map<number, Subscription>();
  private nextId = 1;
  private state: ConnectionState = 'connecting';
  private readonly listeners = new Set<(state: ConnectionState) => void>();
  private attempt = 0;
  private timer: unknown = null;
  private closed = false;
  private readonly backoff: (attempt: number) => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(
    private readonly url: string,
    private readonly factory: SocketFactory,
    options: SocketMuxOptions = {},
  ) {
    this.backoff = options.backoff ?? defaultBackoff;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  }

  connectionState(): ConnectionState {
    return this.state;
  }

  onConnectionChange(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribe(
    topic: string,
    params: unknown,
    onMessage: (raw: unknown) => void,
    onError: (error: ApiError) => void,
    onResubscribed: () => void,
    paramsAgain?: () => unknown,
  ): () => void {
    const id = this.nextId++;
    const sub: Subscription = { id, topic, params, onMessage, onError, onResubscribed, paramsAgain, sentBefore: false };
    this.subs.set(id, sub);
    if (this.socket && this.socket.readyState === OPEN) {
      this.sendSubscribe(sub);
    } else {
      this.ensureConnecting();
    }
    return () => {
      if (!this.subs.delete(id)) return;
      if (this.socket && this.socket.readyState === OPEN) this.send({ op: 'unsubscribe', id });
    };
  }

  /** Stops reconnecting and closes the socket (used by tests and page teardown). */
  close(): void {
    this.closed = true;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.socket?.close();
    this.socket = null;
  }

  private ensureConnecting(): void {
    if (this.closed || this.socket || this.timer !== null) return;
    this.open();
  }

  private open(): void {
    let socket: SocketLike;
    try {
      socket = this.factory(this.url);
    } catch {
      this.dropped();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.setState('open');
      for (const sub of [...this.subs.values()]) this.sendSubscribe(sub);
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.receive(event.data);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.dropped();
    };
    // An error is always followed by a close; the close does the work.
    socket.onerror = () => undefined;
  }

  private dropped(): void {
    if (this.closed) return;
    this.setState('reconnecting');
    const delay = this.backoff(this.attempt++);
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.open();
    }, delay);
  }

  private sendSubscribe(sub: Subscription): void {
    const again = sub.sentBefore;
    sub.sentBefore = true;
    if (again) sub.onResubscribed();
    // Asked after onResubscribed, so that a subscriber can settle what it holds first.
    const params = again && sub.paramsAgain ? sub.paramsAgain() : sub.params;
    this.send({ op: 'subscribe', id: sub.id, topic: sub.topic, params });
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const record = parsed as Record<string, unknown>;
    if (typeof record.id !== 'number') return;
    const sub = this.subs.get(record.id);
    if (!sub) return;
    if ('error' in record) {
      // The host ended this subscription; do not send it again on reconnect.
      this.subs.delete(sub.id);
      sub.onError(toApiError(record.error));
      return;
    }
    sub.onMessage(record.message);
  }

  private send(message: SocketClientMessage): void {
    try {
      this.socket?.send(JSON.stringify(message));
    } catch {
      // A send on a closing socket fails; the close handler reconnects and re-subscribes.
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of [...this.listeners]) listener(state);
  }
}
