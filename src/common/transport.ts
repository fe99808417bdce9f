/**
 * Wire formats of the two transports. Both carry the same `apiMethods` / `apiTopics`.
 *
 * HTTP + WebSocket host (`coconut serve`, bound to 127.0.0.1):
 * - The page is opened at `/?token=T`; the host answers with a session cookie and a redirect to
 *   `/`, so static files, `POST /api/<method>` and the socket all carry the token. Scripts may send
 *   `Authorization: Bearer T` instead of the cookie. Anything without the token gets 401.
 * - `POST /api/<method>` with a JSON body (the request) answers an `ApiReply` JSON. It must say
 *   `Content-Type: application/json` (else 415) and carry the host's own `Origin` (else 403: the
 *   cookie alone never authorises a page from another origin); only a request with the bearer
 *   token may leave `Origin` out. Bodies over 2 MiB get 413 before any parsing.
 * - `GET /ws` upgrades to a WebSocket speaking `SocketClientMessage` / `SocketServerMessage`; the
 *   upgrade needs the host's own `Origin` too.
 *
 * Electron IPC: the preload exposes `window.coconutIpc` (see `IpcBridge`).
 */
import { z } from 'zod';
import type { ApiReply } from './api.js';
import { ApiErrorSchema } from './api.js';

export const SESSION_COOKIE = 'coconut_session';
export const TOKEN_QUERY = 'token';
export const API_PATH_PREFIX = '/api/';
export const SOCKET_PATH = '/ws';

export const SocketClientMessageSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('subscribe'), id: z.number().int(), topic: z.string(), params: z.unknown() }),
  z.object({ op: z.literal('unsubscribe'), id: z.number().int() }),
]);
export type SocketClientMessage = z.infer<typeof SocketClientMessageSchema>;

export type SocketServerMessage =
  | { id: number; message: unknown }
  | { id: number; error: z.infer<typeof ApiErrorSchema> };

/** What the preload script puts on `window.coconutIpc`. */
export interface IpcBridge {
  call(method: string, request: unknown): Promise<ApiReply>;
  /** Starts a subscription; `onMessage` gets each message, or `{error}` once if it cannot start. */
  subscribe(topic: string, params: unknown, onMessage: (payload: SocketServerMessage) => void): () => void;
}

export const IPC_CALL_CHANNEL = 'coconut:call';
export const IPC_SUBSCRIBE_CHANNEL = 'coconut:subscribe';
export const IPC_UNSUBSCRIBE_CHANNEL = 'coconut:unsubscribe';
export const IPC_MESSAGE_CHANNEL = 'coconut:message';
