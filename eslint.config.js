// Lint is part of `npm test`. Import cycles are errors: they are how layering rots.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const resolver = join(dirname(fileURLToPath(import.meta.url)), '.eslint-resolver.cjs');

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'bench/baselines/**', 'engine/cli/init-templates/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': { [resolver]: {} },
      // no-cycle parses the imported modules too: they are TypeScript.
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/extensions': ['.ts'],
    },
    rules: {
      'import/no-cycle': ['error', { ignoreExternal: true, disableScc: true }],
      'import/no-self-import': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // kafkajs loads through connectors/kafka/kafkajs.ts, which fixes its producer first.
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ name: 'kafkajs', message: 'import { kafkajs } from connectors/kafka/kafkajs.ts', allowTypeImports: true }] }],
    },
  },
  {
    files: ['.eslint-resolver.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
