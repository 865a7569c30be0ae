import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

// The demo page, served by the server at /demo (outside production). `npm run build:demo`.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/demo/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/demo', import.meta.url)),
    emptyOutDir: true,
  },
});
