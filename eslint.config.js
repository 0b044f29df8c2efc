// Lint setup: typescript-eslint with type information, plus the architecture's dependency rules
// (DESIGN.md): core and aggregation stay pure, bus knows no venue or database, nothing imports services.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const noServices = {
  group: ['@tickline/*-service', '**/services/**'],
  message: 'packages never import services',
};
const io = [
  'ioredis',
  'pg',
  'pg-promise',
  'ws',
  'bullmq',
  'node:fs',
  'node:net',
  'node:http',
  'fs',
  'net',
  'http',
];

function restrict(files, patterns, paths = []) {
  return {
    files,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns, paths }] },
  };
}

module.exports = tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '**/*.js', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { tsconfigRootDir: __dirname, project: ['./tsconfig.check.json'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  // The CLI's service registry is the composition root (`tickline run all`): with the backfill queue
  // functions `tickline backfill` uses, the only places allowed to import services.
  {
    ...restrict(['packages/*/src/**/*.ts'], [noServices]),
    ignores: ['packages/cli/src/serviceRegistry.ts', 'packages/cli/src/backfillQueue.ts'],
  },
  // Later blocks replace the rule for their files, so each repeats noServices.
  restrict(
    ['packages/core/src/**/*.ts'],
    [noServices, { group: ['@tickline/*'], message: 'core imports no other package' }],
    io.map((name) => ({ name, message: 'core does no I/O' })),
  ),
  restrict(
    ['packages/aggregation/src/**/*.ts'],
    [
      noServices,
      { group: ['@tickline/bus', '@tickline/storage', '@tickline/venues'], message: 'aggregation is pure' },
    ],
    io.map((name) => ({ name, message: 'aggregation does no I/O' })),
  ),
  restrict(
    ['packages/bus/src/**/*.ts'],
    [
      noServices,
      {
        group: ['@tickline/venues', '@tickline/storage', '@tickline/aggregation'],
        message: 'bus knows no venue or database',
      },
    ],
    ['pg', 'pg-promise'].map((name) => ({ name, message: 'bus knows no database' })),
  ),
  restrict(
    ['packages/client/src/**/*.ts'],
    [{ group: ['@tickline/venues'], message: 'the strategy client never talks to venues' }, noServices],
  ),
);
