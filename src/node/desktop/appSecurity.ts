/**
 * The desktop app's security decisions (Electron's security checklist), as plain functions of
 * URLs and settings, so they can be tested without Electron. `src/main/index.ts` only wires them
 * to Electron's events.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the app's own page is: the built `index.html`, or electron-vite's dev server. */
export type AppPage = { kind: 'file'; indexPath: string } | { kind: 'dev'; origin: string };

export function appPage(rendererIndex: string, devServer: string | null): AppPage {
  return devServer ? { kind: 'dev', origin: new URL(devServer).origin } : { kind: 'file', indexPath: resolve(rendererIndex) };
}

function parsed(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether `url` is the app's own page (any hash route of it). For the built app that is exactly
 * its `index.html` file: every other `file:` URL is another document on the disk.
 */
export function isAppUrl(url: string, page: AppPage): boolean {
  const target = parsed(url);
  if (!target) return false;
  if (page.kind === 'dev') return target.origin === page.origin;
  if (target.protocol !== 'file:' || target.host !== '') return false;
  target.hash = '';
  target.search = '';
  try {
    return resolve(fileURLToPath(target)) === page.indexPath;
  } catch {
    return false;
  }
}

/**
 * The dev server URL to load, or null to load the built page. `ELECTRON_RENDERER_URL` is honoured
 * only under `electron-vite dev` (which also sets `NODE_ENV_ELECTRON_VITE`), never in a packaged
 * app, and only on loopback: a stray variable must not load a remote page with the preload's API.
 */
export function devServerUrl(env: Record<string, string | undefined>, isPackaged: boolean): string | null {
  if (isPackaged || env.NODE_ENV_ELECTRON_VITE !== 'development') return null;
  const url = env.ELECTRON_RENDERER_URL ? parsed(env.ELECTRON_RENDERER_URL) : null;
  if (!url || url.protocol !== 'http:' || !LOOPBACK_NAMES.has(url.hostname) || url.username || url.password) return null;
  return url.toString();
}

/** The sending frame of an IPC message, as Electron's `event.senderFrame` describes it. */
export interface SenderFrame {
  url: string;
  /** False for an iframe inside the page. */
  topLevel: boolean;
}

/** IPC is answered only for the app's own page in its top-level frame. */
export function isTrustedSender(frame: SenderFrame | null, page: AppPage): boolean {
  return frame !== null && frame.topLevel && isAppUrl(frame.url, page);
}

/**
 * Hosts the app itself links to (the Coconut paper, the reference code); add one here when the UI
 * gains a link to it. Nothing else is handed to the system browser.
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = ['arxiv.org', 'github.com'];

/** The URL to give `shell.openExternal`, or null: only plain https links to an allowed host. */
export function allowedExternalUrl(url: string, hosts: readonly string[] = EXTERNAL_LINK_HOSTS): string | null {
  const target = parsed(url);
  if (!target || target.protocol !== 'https:') return null;
  if (target.username || target.password || target.port !== '') return null;
  return hosts.includes(target.hostname) ? target.toString() : null;
}

/**
 * Web permissions (camera, notifications, geolocation, …) are denied unless listed here. The one
 * allowed: writing to the clipboard (the editor's Copy), and only from the app's own page.
 */
const GRANTED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

export function permissionGranted(permission: string, requestingUrl: string | undefined, page: AppPage): boolean {
  return GRANTED_PERMISSIONS.has(permission) && requestingUrl !== undefined && isAppUrl(requestingUrl, page);
}
