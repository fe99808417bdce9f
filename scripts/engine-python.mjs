#!/usr/bin/env node
// Runs the engine venv's Python from the repository root: `node scripts/engine-python.mjs -m pytest ...`.
// The engine package is installed in that venv (editable, by `node scripts/setup.mjs`), so no PYTHONPATH is needed.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const python = process.env.COCONUT_PYTHON ?? join(root, 'engine', '.venv', 'bin', 'python');
const result = spawnSync(python, process.argv.slice(2), { stdio: 'inherit', cwd: root });
if (result.error) {
  console.error(`cannot run ${python}: ${result.error.message} (run \`npm run setup\` first)`);
  process.exit(1);
}
process.exit(result.status ?? 1);
