// Two projects: `unit` needs no services; `integration` talks to the real Kafka, Redis and
// PostgreSQL started by infra/stack.sh. Sources are transformed by swc (no type checking here;
// `npm run typecheck` does that once for the whole tree).
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};
const common = {
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testEnvironmentOptions: { globalsCleanup: 'on' },
};
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/services/*/src/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '/node_modules/'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/test/**/*.test.ts',
        '<rootDir>/packages/*/src/**/*.int.test.ts',
        '<rootDir>/services/*/src/**/*.int.test.ts',
      ],
      testPathIgnorePatterns: ['/node_modules/'],
      setupFilesAfterEnv: ['<rootDir>/test/setup-integration.ts'],
    },
  ],
};
