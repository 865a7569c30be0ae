import type { CodegenConfig } from '@graphql-codegen/cli';

// Reads the committed schema (never a running server) and the operations written in client/, and writes typed
// documents to client/gql/. `npm run codegen`; a test fails when the output is stale.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['client/**/*.ts', '!client/gql/**', '!client/**/*.test.ts'],
  ignoreNoDocuments: false,
  generates: {
    'client/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        emitLegacyCommonJSImports: false,
        scalars: { DateTime: 'string' },
        skipTypename: false,
      },
    },
  },
};

export default config;
