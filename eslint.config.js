// Lint rules that keep the layers honest (after VS Code's code-layering idea):
//  - src-renderer never imports Node, Electron or src-main runtime code (only the type-only
//    contract), so the renderer runs sandboxed and in a plain browser;
//  - only src-main/app imports `electron`, so the engine runs under plain Node (CLI, web mode,
//    tests) and Electron-specific code stays thin.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'stream', 'url', 'util', 'worker_threads', 'events', 'module', 'zlib'];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'resources/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    files: ['**/*.{ts,mts,mjs,js,vue}'],
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', window: 'readonly', document: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', __dirname: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-undef': 'off',
    },
  },
  {
    files: ['src-renderer/**/*.{ts,vue}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*'], message: 'The renderer is sandboxed: reach the main process through the StudioApi client (src-renderer/api.ts).' },
          { group: ['node:*', ...NODE_BUILTINS], message: 'The renderer runs in a browser sandbox: no Node modules.' },
          { regex: 'src-main/(?!api/contract$)', message: 'The renderer may import only the contract from src-main.' },
          // The contract is allowed, but only as types: a value import would pull main code in.
          { regex: 'src-main/api/contract$', allowTypeImports: true, message: 'Import the contract with `import type`.' },
        ],
      }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/app/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'Only src-main/app may import electron; the engine runs under plain Node too.' }],
      }],
    },
  },
);
