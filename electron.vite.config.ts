/**
 * electron-vite build of the desktop app: main process, preload script and renderer.
 *
 * - main:     src/main/index.ts    → out/main/ (with the inspector's worker thread beside it: out/main/inspectWorker.js)
 * - preload:  src/preload/index.ts → out/preload/index.cjs (CommonJS: a sandboxed preload cannot be ESM)
 * - renderer: src/renderer         → out/renderer/ (shared with `vite.renderer.config.ts`)
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import { rendererConfig } from './vite.renderer.config.js';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: resolve(repoRoot, 'out/main'),
      rollupOptions: {
        input: {
          index: resolve(repoRoot, 'src/main/index.ts'),
          // A worker thread is its own entry: InspectorService starts it from beside the main bundle.
          inspectWorker: resolve(repoRoot, 'src/node/inspector/inspectWorker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(repoRoot, 'out/preload'),
      rollupOptions: {
        input: { index: resolve(repoRoot, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...rendererConfig,
    build: { ...rendererConfig.build },
  },
});
