import { defineConfig } from 'vitest/config';

// The whole suite runs on embedded PGlite, and again on real Postgres when TEST_DATABASE_URL is set.
// Each test file gets a fresh database of its own (see tests/helpers/test-database.ts).
const drivers = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])];

export default defineConfig({
  resolve: {
    // graphql@16 ships CJS (`main`) and ESM (`module`) builds. Node loads the CJS one for Yoga and Pothos; Vite would
    // hand our sources the ESM one, and two copies of graphql break `instanceof GraphQLError`. Use Node's choice.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: drivers.map((driver) => ({
      extends: true,
      test: { name: driver, env: { TEST_DRIVER: driver }, include: ['tests/**/*.test.ts'] },
    })),
  },
});
