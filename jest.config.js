// Unit specs sit beside their code (src/**/*.spec.ts, web/src/**/*.spec.ts); integration suites live in test/.
// Jest stays in CommonJS mode: specs import only pure modules, and integration suites drive the
// built app as real processes, so no NestJS 12 (ESM-only) package is ever required by jest.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/web/src'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  // The web client's pure modules import the server's types as Vite resolves them.
  moduleNameMapper: { '^@server/(.*)$': '<rootDir>/src/$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 60000,
  maxWorkers: 2,
};
