import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/core/**/*.ts'],
    rules: {
      // The core is pure: no I/O, no clock, no randomness, nothing of ours from outside it.
      'no-restricted-imports': ['error', { patterns: ['node:*', '../*', 'fs', 'http', 'net'] }],
      'no-restricted-globals': ['error', 'Date', 'performance', 'process', 'setTimeout', 'setInterval'],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      // The engine is deterministic: it imports only the core, reads no clock, does no I/O.
      'no-restricted-imports': ['error', { patterns: ['node:*', '../api/*', '../store/*', '../feed/*', '../cli/*', 'fs', 'http', 'net'] }],
      'no-restricted-globals': ['error', 'Date', 'performance', 'process', 'setTimeout', 'setInterval'],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random' }],
    },
  },
  {
    files: ['src/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-globals': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    rules: {
      // The web UI runs in the browser: the margin core and the pure calc files only, no Node, no server code.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'http',
            'net',
            '**/src/engine/**',
            '**/src/api/**',
            '**/src/store/**',
            '**/src/feed/**',
            '**/src/cli/calc.js',
            '**/src/cli/main.js',
            '**/src/cli/serve.js',
            '**/src/cli/journal.js',
          ],
        },
      ],
    },
  },
  { files: ['bin/*.js'], languageOptions: { globals: { process: 'readonly', URL: 'readonly' } } },
);
