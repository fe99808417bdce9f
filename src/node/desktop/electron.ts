/**
 * Finding and starting the Electron shell from plain Node. The `electron` package is an optional
 * dependency: where its binary could not be downloaded, the workbench serves its UI on loopback
 * instead.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../engine/paths.js';

/** The Electron binary, or the reason there is none. */
export function electronBinary(): { path: string } | { problem: string } {
  const packageDir = join(projectRoot(), 'node_modules', 'electron');
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { problem: 'the Electron binary is not installed (the optional `electron` package could not download it)' };
  }
  const path = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(path) ? { path } : { problem: `the Electron binary is missing at ${path}` };
}

export function hasDisplay(): boolean {
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/**
 * The desktop app's environment: this process's, less what would load another page than the
 * built one (electron-vite's dev server) or run the binary as plain Node.
 */
export function desktopEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { ELECTRON_RENDERER_URL: _url, NODE_ENV_ELECTRON_VITE: _dev, ELECTRON_RUN_AS_NODE: _asNode, ...rest } = env;
  return rest;
}

/** Starts the desktop app detached from this process, or says why it cannot. */
export function launchDesktop(): { started: true } | { started: false; problem: string } {
  const binary = electronBinary();
  if ('problem' in binary) return { started: false, problem: binary.problem };
  if (!hasDisplay()) return { started: false, problem: 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)' };
  if (!existsSync(join(projectRoot(), 'out', 'main', 'index.js'))) {
    return { started: false, problem: 'the app is not built: run `npm run setup`' };
  }
  const child = spawn(binary.path, [projectRoot()], { detached: true, stdio: 'ignore', env: desktopEnvironment(process.env) });
  child.unref();
  return { started: true };
}
