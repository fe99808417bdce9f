/**
 * The loopback host: the renderer's files, `POST /api/<method>` and one WebSocket for
 * subscriptions, all behind a random token (see `src/common/transport.ts` for the wire format).
 * It binds 127.0.0.1 only and refuses requests whose Host header names anything else, so a web
 * page elsewhere cannot reach it by DNS rebinding.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

const MAX_BODY_BYTES = 4 * 1024 * 1024;

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

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError('bad_request', `request body larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startHost(dispatcher: ApiDispatcher, options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const staticRoot = resolve(options.staticDir);
  let port = options.port ?? 0;

  const authorized = (request: IncomingMessage): boolean => {
    const bearer = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1] ?? null;
    return sameToken(bearer, token) || sameToken(cookieValue(request.headers.cookie, SESSION_COOKIE), token);
  };

  const serveStatic = (pathname: string, response: ServerResponse): void => {
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const path = normalize(join(staticRoot, relative));
    if (path !== staticRoot && !path.startsWith(staticRoot + sep)) {
      response.writeHead(403).end();
      return;
    }
    if (!existsSync(path) || !statSync(path).isFile()) {
      if (!existsSync(join(staticRoot, 'index.html'))) {
        response.writeHead(503, { 'content-type': 'text/plain' });
        response.end(`The user interface is not built (${staticRoot} is empty): run \`npm run setup\`.`);
        return;
      }
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': relative === 'index.html' ? 'no-store' : 'max-age=3600',
    });
    response.end(readFileSync(path));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!isLoopbackHost(request.headers.host, port)) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host');
      return;
    }
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
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
    if (!authorized(request)) {
      if (url.pathname.startsWith(API_PATH_PREFIX)) {
        sendJson(response, 401, { ok: false, error: new ApiError('unauthorized', 'missing or wrong access token').toBody() });
      } else {
        response.writeHead(401, { 'content-type': 'text/plain' });
        response.end('Open the URL with the access token that `coconut serve` printed.');
      }
      return;
    }
    if (url.pathname.startsWith(API_PATH_PREFIX)) {
      if (request.method !== 'POST') {
        sendJson(response, 405, { ok: false, error: new ApiError('bad_request', 'API calls use POST').toBody() });
        return;
      }
      let reply: ApiReply;
      try {
        const text = await readBody(request);
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
      return;
    }
    serveStatic(url.pathname, response);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { ok: false, error: toApiError(error).toBody() });
      else response.end();
    });
  });

  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    const tokenOk = authorized(request) || sameToken(url.searchParams.get(TOKEN_QUERY), token);
    if (url.pathname !== SOCKET_PATH || !isLoopbackHost(request.headers.host, port) || !tokenOk) {
      socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
      socket.destroy();
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
