import type { CodegenConfig } from '@graphql-codegen/cli';

import { scalars } from './client/codegen-config.js';

// Reads the committed schema (never a running server) and the operations written in client/, and writes typed
// documents and Apollo Client's possibleTypes to client/gql/. `npm run codegen`; a test fails when the output is stale.
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
        // The same mapping apps use for their own codegen (`tessera/codegen`).
        scalars,
        skipTypename: false,
      },
    },
    'client/gql/possible-types.ts': {
      plugins: ['scripts/codegen-possible-types.mjs'],
    },
  },
};

export default config;
