import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

// GraphiQL with the Tessera panel, served by the server at /graphql (GRAPHIQL=true). `npm run build:graphiql`
// (scripts/build-graphiql.ts) builds it aside and swaps it in.
// Everything is bundled, Monaco's workers included: the page loads nothing from another site.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/graphiql/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/graphiql', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8_000,
    rollupOptions: {
      // React libraries' "use client" marks mean nothing in a page bundled whole.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  worker: { format: 'es' },
});
