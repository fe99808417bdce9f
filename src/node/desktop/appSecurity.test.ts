import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { desktopEnvironment } from './electron.js';
import { allowedExternalUrl, appPage, devServerUrl, isAppUrl, isTrustedSender, permissionGranted } from './appSecurity.js';

// A folder name with a space and a `#`, as a user's checkout may have.
const index = join('/home/ada/my work#2/coconut/out/renderer', 'index.html');
const built = appPage(index, null);
const indexUrl = pathToFileURL(index).toString();
const dev = appPage('/unused/index.html', 'http://localhost:5173/');

describe('the app page', () => {
  it('is the built index.html with any hash route, and no other file', () => {
    expect(isAppUrl(indexUrl, built)).toBe(true);
    expect(isAppUrl(`${indexUrl}#/runs/abc`, built)).toBe(true);
    expect(isAppUrl(`${indexUrl}?x=1#/compare`, built)).toBe(true);
    for (const other of [
      pathToFileURL('/home/ada/my work#2/coconut/out/renderer/other.html').toString(),
      pathToFileURL('/etc/passwd').toString(),
      pathToFileURL('/home/ada/my work#2/coconut/out/renderer/../renderer-evil/index.html').toString(),
      `file://evil.example${pathToFileURL(index).pathname}`,
      'https://evil.example/index.html',
      'http://localhost:5173/',
      'about:blank',
      'not a url',
    ]) {
      expect(isAppUrl(other, built), other).toBe(false);
    }
  });

  it('is the dev server origin under electron-vite dev', () => {
    expect(isAppUrl('http://localhost:5173/#/runs', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAppUrl('http://127.0.0.1:5173/', dev)).toBe(false);
    expect(isAppUrl(indexUrl, dev)).toBe(false);
  });
});

describe('the dev server URL', () => {
  const underDev = { NODE_ENV_ELECTRON_VITE: 'development' };
  it('is honoured only under electron-vite dev, unpackaged, on loopback http', () => {
    expect(devServerUrl({ ...underDev, ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false)).toBe('http://localhost:5173/');
    expect(devServerUrl({ ...underDev, ELECTRON_RENDERER_URL: 'http://127.0.0.1:5173/' }, false)).toBe('http://127.0.0.1:5173/');
    expect(devServerUrl({ ...underDev, ELECTRON_RENDERER_URL: 'http://localhost:5173' }, true)).toBeNull();
    expect(devServerUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false)).toBeNull();
    for (const url of ['https://evil.example', 'http://evil.example:5173', 'http://localhost.evil.example/', 'http://user:pw@localhost:5173', 'file:///tmp/x.html', 'garbage']) {
      expect(devServerUrl({ ...underDev, ELECTRON_RENDERER_URL: url }, false), url).toBeNull();
    }
    expect(devServerUrl(underDev, false)).toBeNull();
  });
});

describe('IPC senders', () => {
  it('are trusted only as the app page in the top-level frame', () => {
    expect(isTrustedSender({ url: `${indexUrl}#/runs`, topLevel: true }, built)).toBe(true);
    expect(isTrustedSender({ url: `${indexUrl}#/runs`, topLevel: false }, built)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', topLevel: true }, built)).toBe(false);
    expect(isTrustedSender(null, built)).toBe(false);
  });
});

describe('external links', () => {
  it('open only as https to an allowed host', () => {
    expect(allowedExternalUrl('https://arxiv.org/abs/2412.06769')).toBe('https://arxiv.org/abs/2412.06769');
    expect(allowedExternalUrl('https://github.com/facebookresearch/coconut')).toBe('https://github.com/facebookresearch/coconut');
    for (const url of [
      'http://arxiv.org/abs/2412.06769',
      'https://arxiv.org.evil.example/',
      'https://evil.example/?https://arxiv.org',
      'https://user@github.com/',
      'https://github.com:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'ms-msdt:/id',
      'not a url',
    ]) {
      expect(allowedExternalUrl(url), url).toBeNull();
    }
    expect(allowedExternalUrl('https://example.org/', ['example.org'])).toBe('https://example.org/');
  });
});

describe('permissions', () => {
  it('are denied by default; clipboard writing only from the app page', () => {
    expect(permissionGranted('clipboard-sanitized-write', indexUrl, built)).toBe(true);
    expect(permissionGranted('clipboard-sanitized-write', 'https://evil.example/', built)).toBe(false);
    expect(permissionGranted('clipboard-sanitized-write', undefined, built)).toBe(false);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'unknown']) {
      expect(permissionGranted(permission, indexUrl, built), permission).toBe(false);
    }
  });
});

describe('the environment the CLI starts the desktop app with', () => {
  it('drops what would load a dev server page or run the binary as Node', () => {
    const env = desktopEnvironment({
      PATH: '/usr/bin',
      COCONUT_HOME: '/tmp/h',
      ELECTRON_RENDERER_URL: 'http://evil.example',
      NODE_ENV_ELECTRON_VITE: 'development',
      ELECTRON_RUN_AS_NODE: '1',
    });
    expect(env).toEqual({ PATH: '/usr/bin', COCONUT_HOME: '/tmp/h' });
  });
});
