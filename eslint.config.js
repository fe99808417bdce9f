// Lint, and the layering rule that keeps each folder runnable where it claims to run:
//   src/common    anywhere (no Node, no DOM-only APIs, no Electron)
//   src/node      plain Node (never Electron, never the UI)
//   src/preload   Electron's sandboxed preload (only `electron` and the contract)
//   src/main      the Electron entry: the only place besides preload that may import `electron`
//   src/renderer  the browser (never Node built-ins, services or Electron)
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const layer = (patterns, paths = []) => ({
  'no-restricted-imports': ['error', { paths: paths.map((name) => ({ name, message: 'not available in this layer' })), patterns }],
});
const noElectron = { group: ['electron', 'electron/*'], message: 'only src/main and src/preload may import electron' };
const ban = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'engine/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
    // TypeScript already checks names (DOM globals included); no-undef only misreads them.
    rules: { 'no-undef': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.mjs', '*.config.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/common/**'],
    rules: layer(
      [
        noElectron,
        ban(['**/node/**', '**/main/**', '**/preload/**', '**/renderer/**'], 'src/common depends on nothing above it'),
        ban(['node:*'], 'src/common must run anywhere'),
      ],
      builtinModules,
    ),
  },
  {
    files: ['src/node/**'],
    rules: layer([noElectron, ban(['**/main/**', '**/preload/**', '**/renderer/**'], 'services never import the shell or the UI')]),
  },
  {
    files: ['src/renderer/**'],
    rules: layer(
      [noElectron, ban(['**/node/**', '**/main/**', '**/preload/**'], 'the UI talks to services only through the API'), ban(['node:*'], 'the UI runs in a browser')],
      nodeBuiltins,
    ),
  },
  {
    files: ['src/preload/**'],
    rules: layer([ban(['**/node/**', '**/main/**', '**/renderer/**'], 'the preload only bridges IPC')], nodeBuiltins),
  },
  {
    files: ['src/main/**'],
    rules: layer([ban(['**/renderer/**'], 'the shell loads the UI, never imports it')]),
  },
);
