/**
 * What a hostile page or a careless client can do to a real `coconut serve` (a separate process,
 * started as a user would): forge calls from another origin, open the socket from one, send bodies
 * that are too big or slow to parse, walk out of the home with `..`, or start on a taken port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { projectRoot } from '../engine/paths.js';
import { COCONUT_CLI, runCoconut } from '../testing/cli.js';
import { tempDir } from '../testing/fixtures.js';

const uiBuilt = existsSync(join(projectRoot(), 'out', 'renderer', 'index.html'));
const skipped = uiBuilt ? '' : ' (skipped: the UI is not built, so `coconut serve` refuses to start; run `npm run setup`)';

interface Served {
  child: ChildProcess;
  url: string;
  token: string;
  port: number;
}

function startServe(home: string): Promise<Served> {
  const child = spawn(process.execPath, [COCONUT_CLI, 'serve', '--json'], {
    env: { ...process.env, COCONUT_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      const { url, token, port } = JSON.parse(buffered.slice(0, newline)) as { url: string; token: string; port: number };
      resolve({ child, url: url.split('?')[0] as string, token, port });
    });
    child.once('exit', (code) => reject(new Error(`coconut serve exited with code ${code}: ${stderr}`)));
  });
}

/** One request exactly as written (fetch would add or refuse some of these headers). */
function send(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] },
): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path, headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
      },
    );
    // The host may answer and close before a refused body is fully written; the answer is what counts.
    outgoing.on('error', (error) => reject(error));
    if (options.chunks) {
      for (const chunk of options.chunks) outgoing.write(chunk);
      outgoing.end();
    } else {
      outgoing.end(options.body);
    }
  });
}

/** What a page elsewhere gets back when it tries to open the socket: 'opened' or the refusal. */
function openSocket(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.on('error', (error) => resolve(error.message));
    socket.on('open', () => {
      socket.close();
      resolve('opened');
    });
  });
}

describe.skipIf(!uiBuilt)(`a real coconut serve against hostile pages and requests${skipped}`, () => {
  const home = tempDir('coconut-hostile-');
  let served: Served;
  let cookie: string;
  let ownOrigin: string;

  beforeAll(async () => {
    served = await startServe(home.path);
    ownOrigin = `http://127.0.0.1:${served.port}`;
    const opened = await fetch(`${served.url}?token=${served.token}`, { redirect: 'manual' });
    cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] as string;
  }, 60_000);

  afterAll(async () => {
    if (served) {
      const exited = new Promise((resolve) => served.child.once('exit', resolve));
      served.child.kill('SIGINT');
      // A host stalled by a failing test would not hear SIGINT in time.
      const forced = setTimeout(() => served.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(forced);
    }
    home.remove();
  }, 20_000);

  const datasetRequest = (name: string) =>
    JSON.stringify({ name, generator: 'prosqa', params: { preset: 'small' }, sizes: { train: 3, valid: 1, test: 1 }, seed: 1 });
  const createdDatasets = () => (existsSync(join(home.path, 'datasets')) ? readdirSync(join(home.path, 'datasets')) : []);

  it('refuses calls with the session cookie from another loopback page, and creates nothing', async () => {
    const otherPage = 'http://127.0.0.1:5999';
    const forged: Record<string, string>[] = [
      // What an HTML form on another port can send: no preflight, the cookie goes along.
      { cookie, origin: otherPage, 'content-type': 'text/plain' },
      { cookie, origin: otherPage, 'content-type': 'application/x-www-form-urlencoded' },
      // fetch() with JSON from another port (the browser would preflight; the host must not rely on it).
      { cookie, origin: otherPage, 'content-type': 'application/json' },
      { cookie, origin: 'http://evil.example', 'content-type': 'application/json' },
      { cookie, origin: 'null', 'content-type': 'application/json' },
      { cookie, origin: `http://localhost:${served.port}.evil.example`, 'content-type': 'application/json' },
      // A browser that leaves Origin out still says the request is cross-origin.
      { cookie, 'sec-fetch-site': 'same-site', 'content-type': 'application/json' },
      // The cookie alone, without any Origin, is not proof of anything.
      { cookie, 'content-type': 'application/json' },
    ];
    for (const headers of forged) {
      const answer = await send(served.port, { path: '/api/datasets.create', headers, body: datasetRequest('forged') });
      expect([403, 415], JSON.stringify(headers)).toContain(answer.status);
      expect(JSON.parse(answer.body)).toMatchObject({ ok: false });
    }
    // The page's own origin is what the app's UI sends: the same call goes through.
    const own = await send(served.port, {
      path: '/api/datasets.jobs',
      headers: { cookie, origin: ownOrigin, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toEqual({ ok: true, result: [] });
    expect(createdDatasets()).toEqual([]);
  });

  it('names the rule it applied: 403 for the origin, 415 for the content type', async () => {
    const wrongOrigin = await send(served.port, {
      path: '/api/runs.list',
      headers: { cookie, origin: 'http://127.0.0.1:5999', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(wrongOrigin.status).toBe(403);
    expect(JSON.parse(wrongOrigin.body).error.message).toMatch(/"http:\/\/127\.0\.0\.1:5999" are refused/);
    const plain = await send(served.port, {
      path: '/api/runs.list',
      headers: { authorization: `Bearer ${served.token}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(plain.status).toBe(415);
    const none = await send(served.port, { path: '/api/runs.list', headers: { authorization: `Bearer ${served.token}` }, body: '{}' });
    expect(none.status).toBe(415);
    // Scripts with the token itself need no Origin.
    const script = await send(served.port, {
      path: '/api/runs.list',
      headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json; charset=utf-8' },
      body: '{}',
    });
    expect(script.status).toBe(200);
  });

  it('refuses a WebSocket opened from a foreign origin, even with the cookie', async () => {
    const wsUrl = `ws://127.0.0.1:${served.port}/ws`;
    expect(await openSocket(wsUrl, { cookie, origin: 'http://evil.example' })).toMatch(/403/);
    expect(await openSocket(wsUrl, { cookie, origin: 'http://127.0.0.1:5999' })).toMatch(/403/);
    expect(await openSocket(wsUrl, { authorization: `Bearer ${served.token}`, origin: 'http://evil.example' })).toMatch(/403/);
    expect(await openSocket(wsUrl, { cookie })).toMatch(/403/);
    // The app's own page, and a script holding the token, still connect.
    expect(await openSocket(wsUrl, { cookie, origin: ownOrigin })).toBe('opened');
    expect(await openSocket(wsUrl, { authorization: `Bearer ${served.token}` })).toBe('opened');
  });

  it('answers an oversized body with 413 at once, declared or streamed, and keeps serving others', async () => {
    const headers = { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' };
    const big = Buffer.alloc(3 * 1024 * 1024, 'a');
    const declared = await send(served.port, { path: '/api/config.check', headers, body: big });
    expect(declared.status).toBe(413);
    expect(declared.ms).toBeLessThan(2000);
    const chunk = Buffer.alloc(256 * 1024, ' ');
    const streamed = await send(served.port, {
      path: '/api/config.check',
      headers: { ...headers, 'transfer-encoding': 'chunked' },
      chunks: Array.from({ length: 12 }, () => chunk),
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/larger than 2097152 bytes/) } });
    const after = await send(served.port, { path: '/api/runs.list', headers, body: '{}' });
    expect(after.status).toBe(200);
  });

  it('a 1.2 MB config with tens of thousands of keys neither stalls the host nor takes long to refuse', async () => {
    const headers = { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' };
    const lines = Array.from({ length: 80_000 }, (_, i) => `key_${i}: ${i}`);
    const hostile = JSON.stringify({ config_yaml: lines.join('\n') });
    expect(hostile.length).toBeGreaterThan(1_200_000);
    const slow = send(served.port, { path: '/api/config.check', headers, body: hostile });
    // Sent right behind it: it must not wait minutes for the big one.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const small = await send(served.port, { path: '/api/runs.list', headers, body: '{}' });
    expect(small.status).toBe(200);
    expect(small.ms).toBeLessThan(5000);
    const answer = await slow;
    expect(answer.ms).toBeLessThan(10_000);
    expect([200, 400, 413, 422]).toContain(answer.status);
  }, 60_000);

  it('refuses run ids that leave the runs folder', async () => {
    const headers = { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' };
    for (const id of ['..', '.', '../..', '..%2f', '/etc']) {
      for (const method of ['runs.get', 'runs.events', 'runs.delete']) {
        const answer = await send(served.port, { path: `/api/${method}`, headers, body: JSON.stringify({ id }) });
        expect(answer.status, `${method} ${id}`).toBe(400);
        expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: { code: 'bad_request', message: `not a run id: ${JSON.stringify(id)}` } });
      }
    }
    expect(existsSync(home.path)).toBe(true);
  });

  it('answers a malformed percent-encoding with 400', async () => {
    const answer = await send(served.port, { method: 'GET', path: '/%E0%A4%A', headers: { cookie } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/malformed percent-encoding/);
  });
});

describe.skipIf(!uiBuilt)(`coconut serve on a taken port${skipped}`, () => {
  it('says so in one line and exits non-zero, without a stack trace', async () => {
    const home = tempDir('coconut-port-');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = await runCoconut(['serve', '--port', String(port)], home.path);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toBe(`coconut: port ${port} is in use: choose another with --port\n`);
      expect(result.stdout).toBe('');
    } finally {
      blocker.close();
      home.remove();
    }
  }, 60_000);
});
