#!/usr/bin/env node
// Brings a checkout to a runnable state, doing only what is missing, so it takes seconds when
// everything is in place:
//   - the engine's Python virtual environment (engine/.venv) with the pinned requirements, the
//     engine's check tools, and the engine package itself (editable);
//   - the renderer build (out/renderer) when its sources changed;
//   - with --for-tests: Debian's Chromium for the end-to-end tests (installed with apt when root).
// A missing prerequisite stops with one sentence that says what to install.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--for-tests');
const engineDir = join(root, 'engine');
const venvDir = join(engineDir, '.venv');
const venvPython = join(venvDir, 'bin', 'python');

function fail(sentence) {
  console.error(`setup: ${sentence}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`\`${command} ${args.join(' ')}\` failed (exit code ${result.status}).`);
}

function quiet(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

function ensureNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) fail(`Node.js 20.19 or newer is needed (this is ${process.versions.node}).`);
  if (!existsSync(join(root, 'node_modules', 'tsx'))) fail('npm packages are missing: run `npm install` first.');
}

/**
 * What the engine's environment is built from: both requirement files and the engine's own
 * packaging. A change to any of them (a new pin, a new check tool) reinstalls, so an existing
 * venv picks it up on the next `npm test`.
 */
const ENGINE_INPUTS = ['requirements.txt', 'requirements-dev.txt', 'pyproject.toml'];

function ensureEngineVenv() {
  const stampPath = join(venvDir, '.requirements.sha256');
  const hash = createHash('sha256');
  for (const name of ENGINE_INPUTS) hash.update(`${name}\0${readFileSync(join(engineDir, name), 'utf8')}\0`);
  const wanted = hash.digest('hex');
  if (existsSync(venvPython) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === wanted) return;

  const python = quiet('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  if (!python) fail('python3 was not found: install Python 3.10 or newer (Debian: `apt-get install python3 python3-venv`).');
  const [major, minor] = python.split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 10)) fail(`Python 3.10 or newer is needed (python3 is ${python}).`);
  if (quiet('python3', ['-c', 'import venv, ensurepip']) === null) {
    fail('the Python venv module is missing: install it (Debian: `apt-get install python3-venv`).');
  }
  if (!existsSync(venvPython)) {
    console.log('setup: creating the engine environment in engine/.venv');
    run('python3', ['-m', 'venv', venvDir]);
  }
  const pip = [venvPython, '-m', 'pip', 'install', '--disable-pip-version-check', '-q'];
  console.log('setup: installing the engine requirements (PyTorch, transformers; several minutes the first time)');
  run(pip[0], [...pip.slice(1), '-r', join(engineDir, 'requirements-dev.txt')]);
  // The engine itself, editable: `python -m coconut_engine` runs the checkout's code without a
  // PYTHONPATH. The build backend (setuptools) is pinned in requirements.txt and already in the
  // venv, so no isolated build environment is fetched (this works offline); the dependencies are
  // the pinned ones just installed.
  console.log('setup: installing the engine package (editable)');
  run(pip[0], [...pip.slice(1), '--no-build-isolation', '--no-deps', '-e', engineDir]);
  writeFileSync(stampPath, wanted);
}

function newestMtime(paths) {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const info = statSync(path);
    if (info.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, info.mtimeMs);
  };
  paths.forEach(visit);
  return newest;
}

function ensureRendererBuild() {
  const stamp = join(root, 'out', 'renderer', 'index.html');
  const sources = ['src/renderer', 'src/common', 'electron.vite.config.ts', 'package-lock.json'].map((p) => join(root, p));
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestMtime(sources)) return;
  console.log('setup: building the user interface');
  run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
}

/**
 * The `electron` package's own download is skipped at install (package.json `allowScripts`), so
 * that installing works offline. Try it once here; without it the workbench serves its UI on
 * loopback instead of opening a window.
 */
function ensureElectronBinary() {
  const packageDir = join(root, 'node_modules', 'electron');
  const attempted = join(packageDir, '.coconut-download-attempted');
  if (existsSync(join(packageDir, 'path.txt')) || existsSync(attempted) || !existsSync(packageDir)) return;
  writeFileSync(attempted, new Date().toISOString());
  const result = spawnSync(process.execPath, [join(packageDir, 'install.js')], { cwd: packageDir, stdio: 'ignore', timeout: 300_000 });
  if (result.status !== 0) {
    console.log('setup: no Electron binary could be downloaded; the workbench will serve its UI on loopback instead of a window.');
  }
}

function ensureChromium() {
  const chromium = process.env.COCONUT_CHROMIUM ?? '/usr/bin/chromium';
  if (existsSync(chromium)) return;
  if (process.getuid?.() !== 0) {
    fail(`Chromium is needed for the end-to-end tests and ${chromium} is missing: install it (Debian: \`sudo apt-get install chromium\`).`);
  }
  console.log('setup: installing Debian Chromium for the end-to-end tests');
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', 'chromium'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

ensureNode();
ensureEngineVenv();
ensureElectronBinary();
ensureRendererBuild();
if (forTests) ensureChromium();
