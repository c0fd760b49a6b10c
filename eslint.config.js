// One lint config for the monorepo; each package runs `eslint src` against it (type-aware).
import tseslint from 'typescript-eslint';

const apps = ['@parley/gateway', '@parley/ingest', '@parley/fanout', '@parley/query'];
const adapters = ['@parley/log-embedded', '@parley/presence-memory', '@parley/presence-redis', '@parley/log-kafka', '@parley/blob-local', '@parley/blob-s3'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/public/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Configuration is read in one file per app (config.ts); everything else gets a frozen object.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read the environment only in config.ts / *-main.ts and pass config down.' }],
    },
  },
  {
    // Dependencies point inward: libraries never import apps, adapters never import each other.
    files: ['libs/**/*.ts', 'schemas/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: apps.map((name) => ({ name, message: 'libs must not depend on apps' })) }],
    },
  },
  ...adapters.map((self) => ({
    files: [`libs/${self.split('/')[1]}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...apps, ...adapters.filter((a) => a !== self)].map((name) => ({ name, message: 'an adapter imports only the port it implements' })),
        },
      ],
    },
  })),
  {
    // Only the single-node composition root (and its config, which reads every app's settings) may wire
    // several apps together.
    files: ['apps/*/src/**/*.ts'],
    ignores: ['apps/gateway/src/single-node.ts', 'apps/gateway/src/config.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: apps.map((name) => ({ name, message: 'apps do not import each other; wire them in a composition root' })) }],
    },
  },
  {
    files: ['**/config.ts', '**/*-main.ts', '**/main.ts', 'test/**/*.ts', 'bench/**/*.ts', '**/*.test.ts', 'libs/test-infra/**/*.ts'],
    rules: { 'no-restricted-properties': 'off', 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', '**/conformance/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
);
