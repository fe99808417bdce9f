import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../common/api';
import { createHttpApi, socketUrl } from './httpClient';

function fakeFetch(status: number, body: unknown, calls: Array<{ url: string; init: RequestInit }> = []): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

const noSocket = () => {
  throw new Error('no sockets in this test');
};

describe('HTTP client', () => {
  it('posts the request and returns the checked result', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const api = createHttpApi({
      origin: 'http://127.0.0.1:9',
      fetch: fakeFetch(200, { ok: true, result: { config_yaml: 'a: 1\n' } }, calls),
      socketFactory: noSocket,
    });
    await expect(api.call('config.template', { method: 'cot' })).resolves.toEqual({ config_yaml: 'a: 1\n' });
    expect(calls[0]!.url).toBe('http://127.0.0.1:9/api/config.template');
    expect(calls[0]!.init.method).toBe('POST');
    expect(calls[0]!.init.credentials).toBe('same-origin');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ method: 'cot' });
  });

  it('throws the host error with its code and issues', async () => {
    const api = createHttpApi({
      origin: 'http://127.0.0.1:9',
      fetch: fakeFetch(400, { ok: false, error: { code: 'invalid_config', message: 'bad', issues: [{ path: 'lr', message: 'too big' }] } }),
      socketFactory: noSocket,
    });
    const error = await api.call('runs.create', { config_yaml: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('invalid_config');
    expect((error as ApiError).issues).toEqual([{ path: 'lr', message: 'too big' }]);
  });

  it('rejects a result that does not match the schema', async () => {
    const api = createHttpApi({ origin: 'http://127.0.0.1:9', fetch: fakeFetch(200, { ok: true, result: { nope: 1 } }), socketFactory: noSocket });
    await expect(api.call('config.template', {})).rejects.toMatchObject({ code: 'internal' });
  });

  it('says what to do on a 401 without JSON', async () => {
    const api = createHttpApi({ origin: 'http://127.0.0.1:9', fetch: fakeFetch(401, 'Unauthorized'), socketFactory: noSocket });
    await expect(api.call('runs.list', {})).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('derives the socket URL from the page origin', () => {
    expect(socketUrl('http://127.0.0.1:5123')).toBe('ws://127.0.0.1:5123/ws');
    expect(socketUrl('https://example.test')).toBe('wss://example.test/ws');
  });
});
