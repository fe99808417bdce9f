/**
 * Vite configuration of the renderer alone (the Vue app in `src/renderer`).
 *
 * `electron.vite.config.ts` reuses it for its `renderer` entry; it also builds on its own, without
 * the Electron main and preload sources: `npx vite build --config vite.renderer.config.ts`
 * writes `out/renderer/`, which the `serve` host and the Electron window both load.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type UserConfig } from 'vite';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));

export const rendererConfig: UserConfig = {
  root: resolve(repoRoot, 'src/renderer'),
  // Relative asset URLs: the same build loads from file:// (Electron) and from `/` (serve host).
  base: './',
  plugins: [vue()],
  worker: {
    format: 'es',
  },
  build: {
    outDir: resolve(repoRoot, 'out/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    minify: 'esbuild',
    // Monaco alone is a few MiB; that is expected for a desktop app loading from disk.
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      input: resolve(repoRoot, 'src/renderer/index.html'),
    },
  },
  server: {
    port: 5173,
    strictPort: false,
  },
};

export default defineConfig(rendererConfig);
