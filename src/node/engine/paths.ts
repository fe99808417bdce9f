/** Where the engine and its Python environment live, relative to this checkout. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed app) root: the nearest folder above this file with an `engine/` beside `package.json`. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(resolve(dir, 'package.json')) && existsSync(resolve(dir, 'engine'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (a folder with package.json and engine/)');
    dir = parent;
  }
}

export const engineDir = (): string => resolve(projectRoot(), 'engine');

/** The engine venv's interpreter; `COCONUT_PYTHON` overrides it. */
export function enginePython(): string {
  return process.env.COCONUT_PYTHON ?? resolve(engineDir(), '.venv', 'bin', 'python');
}
