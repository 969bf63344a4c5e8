// @ts-check
/** @type {[string, Record<string, unknown>]} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@clearance/(contracts|kafka|platform|policy|testing)$': '<rootDir>/libs/$1/src/index.ts',
    '^@clearance/policy/testing$': '<rootDir>/libs/policy/src/testing/index.ts',
  },
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
};

/**
 * Two tiers: `unit` specs sit beside the code and touch nothing real; `integration` tests (test/ and
 * *.int.test.ts) run against the real broker and database that test/support/global-setup.ts starts.
 * @type {import('jest').Config}
 */
module.exports = {
  // integration tests start real processes and wait for real brokers; unit specs finish in milliseconds anyway
  testTimeout: 180_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,services}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/{libs,services}/**/*.int.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
};
