import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiDispatcher } from '../api/dispatch.js';
import { tempDir } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';
import { startHost, type RunningHost } from './host.js';

describe('loopback host', () => {
  const home = tempDir();
  let host: RunningHost;
  const staticDir = join(home.path, 'ui');

  beforeAll(async () => {
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<h1>workbench</h1>');
    host = await startHost(new ApiDispatcher(new Workbench(home.path)), { staticDir });
  });
  afterAll(async () => {
    await host.close();
    home.remove();
  });

  const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${host.url}api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('binds loopback and demands the token everywhere', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await fetch(host.url)).status).toBe(401);
    const denied = await api('runs.list', {});
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect((await api('runs.list', {}, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await fetch(`${host.url}?token=wrong`, { redirect: 'manual' })).status).toBe(401);
  });

  it('turns the token in the URL into a session cookie', async () => {
    const opened = await fetch(host.openUrl, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toBe('/');
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/^coconut_session=/);
    const page = await fetch(host.url, { headers: { cookie } });
    expect(await page.text()).toBe('<h1>workbench</h1>');
    // A browser sends the page's origin with every POST; the cookie alone is not enough (see hostSecurity.test.ts).
    const listed = await api('runs.list', {}, { cookie, origin: host.url.slice(0, -1) });
    expect(await listed.json()).toEqual({ ok: true, result: [] });
  });

  it('answers bad requests with typed errors', async () => {
    const auth = { authorization: `Bearer ${host.token}` };
    const notJson = await api('runs.list', '{oops', auth);
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ ok: false, error: { code: 'bad_request', message: 'the request body is not JSON' } });
    const badField = await api('runs.get', { id: [] }, auth);
    expect(badField.status).toBe(400);
    expect(((await badField.json()) as { error: { issues: { path: string }[] } }).error.issues[0]?.path).toBe('id');
    expect((await api('nope', {}, auth)).status).toBe(404);
    expect((await fetch(`${host.url}api/runs.list`, { headers: auth })).status).toBe(405);
  });

  /** A raw request, so that the path reaches the host exactly as written. */
  const raw = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const sent = httpRequest({ host: '127.0.0.1', port: host.port, path, method, headers: { authorization: `Bearer ${host.token}`, ...headers } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      sent.on('error', reject);
      sent.end();
    });

  it('serves only files really inside the UI folder: links out of it are not found', async () => {
    const outside = join(home.path, 'secret.txt');
    writeFileSync(outside, 'private notes');
    mkdirSync(join(home.path, 'private'));
    writeFileSync(join(home.path, 'private', 'key.txt'), 'private key');
    writeFileSync(join(staticDir, 'app.js'), 'console.log(1)');
    symlinkSync(outside, join(staticDir, 'leak.txt'));
    symlinkSync(join(home.path, 'private'), join(staticDir, 'assets'));
    symlinkSync(join(staticDir, 'app.js'), join(staticDir, 'alias.js'));

    const served = await raw('/app.js');
    expect(served).toEqual({ status: 200, body: 'console.log(1)' });
    // A link that stays inside the folder is still a UI file.
    expect(await raw('/alias.js')).toEqual({ status: 200, body: 'console.log(1)' });
    for (const path of ['/leak.txt', '/assets/key.txt']) {
      const answer = await raw(path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toMatch(/private/);
    }
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/ui/..%2f..%2fsecret.txt']) {
      const answer = await raw(path);
      expect([403, 404], path).toContain(answer.status);
      expect(answer.body).not.toMatch(/private/);
    }
  });

  it('answers malformed URLs with 400, not 500', async () => {
    for (const path of ['/%E0%A4%A', '/assets/%', '/%ZZ', '/a%00b']) {
      const answer = await raw(path);
      expect(answer.status, path).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    expect((await raw('http://evil.example/')).status).toBe(400);
    expect((await raw('*', {}, 'OPTIONS')).status).toBe(400);
    // The host keeps serving after them.
    expect((await raw('/')).status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      request(host.url, { headers: { host: `evil.example:${host.port}`, authorization: `Bearer ${host.token}` } }, (res) =>
        resolve(res.statusCode ?? 0),
      ).end();
    });
    expect(status).toBe(403);
  });

  it('serves subscriptions on the socket only with the token', async () => {
    const wsUrl = host.url.replace('http', 'ws') + 'ws';
    const refused = await new Promise<string>((resolve) => {
      const socket = new WebSocket(wsUrl);
      socket.on('error', (error) => resolve(error.message));
      socket.on('open', () => resolve('opened'));
    });
    expect(refused).toMatch(/401/);

    const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${host.token}` } });
    await new Promise((resolve) => socket.on('open', resolve));
    const replies: unknown[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
    socket.send('garbage');
    socket.send(JSON.stringify({ op: 'subscribe', id: 7, topic: 'run', params: { id: 'missing' } }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(replies).toEqual([
      { id: -1, error: { code: 'bad_request', message: 'not a valid socket message', issues: [] } },
      { id: 7, error: { code: 'not_found', message: 'no run with id missing', issues: [] } },
    ]);
    socket.close();
  });
});
