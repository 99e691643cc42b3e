import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '**/*.js', '**/*.mjs', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // lambda/core is pure: no AWS SDK, no I/O.
    files: ['lambda/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@aws-sdk/*', '@smithy/*', 'aws-sdk'], message: 'lambda/core is pure: put AWS calls in lambda/adapters.' },
          { group: ['fs', 'node:fs', 'fs/*', 'node:fs/*', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net', 'child_process', 'node:child_process'], message: 'lambda/core does no I/O.' },
          { group: ['**/adapters/**', '**/handlers/**', '**/lib/**'], message: 'lambda/core imports neither adapters nor handlers.' },
        ],
      }],
    },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: 'lambda/(?!core/constants$)', message: 'lib/ imports only the shared constants module from lambda/.' },
        ],
      }],
    },
  },
);
