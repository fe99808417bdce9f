/**
 * The loopback host: the renderer's files, `POST /api/<method>` and one WebSocket for
 * subscriptions, all behind a random token (see `src/common/transport.ts` for the wire format).
 *
 * What a hostile web page in the same browser could try, and what stops it:
 * - DNS rebinding: it binds 127.0.0.1 only and refuses a Host header naming anything else.
 * - Cross-site request forgery: the session cookie is `SameSite=Strict`, but "site" ignores the
 *   port, so a page on another loopback port still gets the cookie sent. Every API call and the
 *   socket therefore need the host's own `Origin` (browsers always send one on a POST and on a
 *   socket upgrade); only a request carrying the token itself (`Authorization: Bearer`, which a
 *   page cannot add cross-origin without a CORS preflight this host never grants) may omit it.
 *   API calls must also say `Content-Type: application/json`, which no plain HTML form can send.
 * - Stalling the host: bodies are capped before they are read or parsed (413), socket messages
 *   are capped, and a request must arrive within a time limit.
 * - Leaving the UI folder: static paths are decoded strictly (400 when malformed) and must stay
 *   inside the renderer folder after symlinks are resolved.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiReply } from '../../common/api.js';
import { ApiError } from '../../common/api.js';
import {
  API_PATH_PREFIX,
  SESSION_COOKIE,
  SOCKET_PATH,
  SocketClientMessageSchema,
  TOKEN_QUERY,
  type SocketServerMessage,
} from '../../common/transport.js';
import { toApiError, type ApiDispatcher } from '../api/dispatch.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** The largest API request body. The biggest real one (`analysis.questions` with 100 000 indices) is under 1 MB. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Subscription messages are a topic and a few parameters. */
const MAX_SOCKET_MESSAGE_BYTES = 64 * 1024;
/** A client has this long to send a whole request (headers and body). */
const REQUEST_TIMEOUT_MS = 30_000;

/** An HTTP answer decided before the request reaches the API: status and a one-line reason. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: 'bad_request' | 'unauthorized' = 'bad_request',
  ) {
    super(message);
  }
}

export interface HostOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Folder with the built renderer (`index.html`). */
  staticDir: string;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
}

export interface RunningHost {
  url: string;
  /** The URL to open: it carries the token once and turns it into a session cookie. */
  openUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

function sameToken(candidate: string | null, token: string): boolean {
  if (!candidate) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isLoopbackHost(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  return [`127.0.0.1:${port}`, `localhost:${port}`].includes(hostHeader.toLowerCase());
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(text);
}

/** The request target as a URL, or a refusal when it is not an origin-form path. */
export function parseRequestTarget(target: string | undefined, base: string): URL {
  // Concatenated, not resolved against the base: `//evil.example/x` stays a path on this host.
  if (!target?.startsWith('/')) throw new Refusal(400, 'the request target must be a path starting with /');
  try {
    return new URL(base + target);
  } catch {
    throw new Refusal(400, 'the request URL is malformed');
  }
}

/** `decodeURIComponent` that answers 400 instead of throwing on `%E0%A4%A` and the like. */
export function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    throw new Refusal(400, `malformed percent-encoding in ${JSON.stringify(pathname.slice(0, 200))}`);
  }
}

/** How the request proved it holds the token: the ambient cookie, or the token itself (header or query). */
type Credential = 'cookie' | 'token';

/**
 * Whether a state-changing request (API call, socket upgrade) may come from where it says it comes
 * from. `ownOrigin` is `http://` plus the (already checked) Host header.
 */
export function originVerdict(
  headers: { origin?: string; 'sec-fetch-site'?: string },
  ownOrigin: string,
  credential: Credential,
): { ok: true } | { ok: false; reason: string } {
  const origin = headers.origin;
  if (origin !== undefined) {
    return origin.toLowerCase() === ownOrigin
      ? { ok: true }
      : { ok: false, reason: `requests from ${JSON.stringify(origin)} are refused: only ${ownOrigin} may call this host` };
  }
  // A browser that left out Origin still says where the request came from.
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { ok: false, reason: `a ${site} request is refused` };
  }
  // The cookie travels with any request the browser makes, so it alone proves nothing about the sender.
  if (credential === 'cookie') return { ok: false, reason: 'the Origin header is missing (scripts send Authorization: Bearer <token>)' };
  return { ok: true };
}

/** `application/json`, with or without parameters such as `charset=utf-8`. */
export function isJsonContentType(header: string | undefined): boolean {
  return header?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** The body as text; a refusal with 413 once it passes `limit` bytes (declared or received). */
function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = (): Refusal => new Refusal(413, `the request body is larger than ${limit} bytes`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        // Stop keeping it; the 413 goes out and the connection closes behind it.
        request.off('data', onData);
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Whether `path` (already resolved) is `root` or inside it. */
function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

export async function startHost(dispatcher: ApiDispatcher, options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const staticRoot = resolve(options.staticDir);
  let port = options.port ?? 0;

  /** How the request carries the token, or null without it. */
  const credentialOf = (request: IncomingMessage, url: URL | null): Credential | null => {
    const bearer = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1] ?? null;
    if (sameToken(bearer, token)) return 'token';
    if (url && sameToken(url.searchParams.get(TOKEN_QUERY), token)) return 'token';
    return sameToken(cookieValue(request.headers.cookie, SESSION_COOKIE), token) ? 'cookie' : null;
  };

  const checkOrigin = (request: IncomingMessage, credential: Credential): void => {
    const verdict = originVerdict(
      { origin: request.headers.origin, 'sec-fetch-site': header(request, 'sec-fetch-site') },
      `http://${(request.headers.host ?? '').toLowerCase()}`,
      credential,
    );
    if (!verdict.ok) throw new Refusal(403, verdict.reason, 'unauthorized');
  };

  /** The file under the UI folder that `pathname` names, links resolved, or null when there is none. */
  const staticFile = (pathname: string): string | null => {
    const relative = pathname === '/' ? 'index.html' : decodePath(pathname).replace(/^\/+/, '');
    if (relative.includes('\0')) throw new Refusal(400, 'the path contains a NUL character');
    const path = normalize(join(staticRoot, relative));
    if (!isInside(path, staticRoot)) throw new Refusal(403, 'the path leaves the UI folder');
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return null;
    }
    // A link inside the folder that points elsewhere is not part of the UI.
    if (!isInside(real, realpathSync(staticRoot))) return null;
    return statSync(real).isFile() ? real : null;
  };

  const serveStatic = (request: IncomingMessage, pathname: string, response: ServerResponse): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new Refusal(405, 'only GET reads the user interface');
    const path = staticFile(pathname);
    if (path === null) {
      if (staticFile('/index.html') === null) {
        response.writeHead(503, { 'content-type': 'text/plain' });
        response.end(`The user interface is not built (${staticRoot} is empty): run \`npm run setup\`.`);
        return;
      }
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': pathname === '/' || pathname === '/index.html' ? 'no-store' : 'max-age=3600',
      // Not framed by, nor loaded as a script or image into, a page of another origin.
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
    });
    response.end(request.method === 'HEAD' ? undefined : readFileSync(path));
  };

  const callApi = async (request: IncomingMessage, url: URL, credential: Credential, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST') throw new Refusal(405, 'API calls use POST');
    checkOrigin(request, credential);
    if (!isJsonContentType(request.headers['content-type'])) {
      throw new Refusal(415, 'API calls need Content-Type: application/json');
    }
    // Read in full (up to the cap) before anything parses it.
    const text = await readBody(request, MAX_BODY_BYTES);
    let reply: ApiReply;
    try {
      let body: unknown = {};
      try {
        body = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        throw new ApiError('bad_request', 'the request body is not JSON');
      }
      reply = await dispatcher.call(url.pathname.slice(API_PATH_PREFIX.length), body, { transport: 'http' });
    } catch (error) {
      reply = { ok: false, error: toApiError(error).toBody() };
    }
    const status = reply.ok ? 200 : { bad_request: 400, invalid_config: 422, not_found: 404, conflict: 409, unauthorized: 401, internal: 500 }[reply.error.code];
    sendJson(response, status, reply);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!isLoopbackHost(request.headers.host, port)) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host');
      return;
    }
    const url = parseRequestTarget(request.url, `http://127.0.0.1:${port}`);
    const offered = url.searchParams.get(TOKEN_QUERY);
    if (offered !== null && request.method === 'GET') {
      if (!sameToken(offered, token)) {
        response.writeHead(401, { 'content-type': 'text/plain' }).end('wrong token');
        return;
      }
      url.searchParams.delete(TOKEN_QUERY);
      response.writeHead(302, {
        'set-cookie': `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: url.pathname + (url.search || '') + url.hash,
      });
      response.end();
      return;
    }
    // A token in the query of anything but the opening GET is not accepted: only header or cookie.
    const credential = credentialOf(request, null);
    if (!credential) {
      if (url.pathname.startsWith(API_PATH_PREFIX)) {
        sendJson(response, 401, { ok: false, error: new ApiError('unauthorized', 'missing or wrong access token').toBody() });
      } else {
        response.writeHead(401, { 'content-type': 'text/plain' });
        response.end('Open the URL with the access token that `coconut serve` printed.');
      }
      return;
    }
    if (url.pathname.startsWith(API_PATH_PREFIX)) await callApi(request, url, credential, response);
    else serveStatic(request, url.pathname, response);
  };

  const server: Server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.end();
        return;
      }
      if (error instanceof Refusal) {
        // A refused body is not read further: say so and close rather than drain it.
        const unread = !request.complete;
        if (unread) response.setHeader('connection', 'close');
        sendJson(response, error.status, { ok: false, error: new ApiError(error.code, error.message).toBody() });
        if (unread) response.once('finish', () => request.socket.destroySoon());
        return;
      }
      sendJson(response, 500, { ok: false, error: toApiError(error).toBody() });
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_SOCKET_MESSAGE_BYTES });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
    };
    let url: URL;
    try {
      url = parseRequestTarget(request.url, `http://127.0.0.1:${port}`);
    } catch {
      refuse('400 Bad Request');
      return;
    }
    if (url.pathname !== SOCKET_PATH || !isLoopbackHost(request.headers.host, port)) {
      refuse('401 Unauthorized');
      return;
    }
    const credential = credentialOf(request, url);
    if (!credential) {
      refuse('401 Unauthorized');
      return;
    }
    try {
      checkOrigin(request, credential);
    } catch {
      refuse('403 Forbidden');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(ws, dispatcher));
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePromise());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}?${TOKEN_QUERY}=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolvePromise) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolvePromise());
      }),
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** One socket: any number of subscriptions, each named by the client's id. */
function serveSocket(ws: WebSocket, dispatcher: ApiDispatcher): void {
  const subscriptions = new Map<number, () => void>();
  const send = (message: SocketServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  ws.on('message', (data) => {
    let parsed;
    try {
      parsed = SocketClientMessageSchema.safeParse(JSON.parse(data.toString()));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) {
      send({ id: -1, error: new ApiError('bad_request', 'not a valid socket message').toBody() });
      return;
    }
    const message = parsed.data;
    if (message.op === 'unsubscribe') {
      subscriptions.get(message.id)?.();
      subscriptions.delete(message.id);
      return;
    }
    subscriptions.get(message.id)?.();
    try {
      const stop = dispatcher.subscribe(message.topic, message.params, (payload) => send({ id: message.id, message: payload }));
      subscriptions.set(message.id, stop);
    } catch (error) {
      send({ id: message.id, error: toApiError(error).toBody() });
    }
  });
  ws.on('close', () => {
    for (const stop of subscriptions.values()) stop();
    subscriptions.clear();
  });
}
