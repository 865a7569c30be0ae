import { readFileSync } from 'node:fs';

/**
 * Where `npm run build` keeps an initialized PGlite cluster (right after initdb, before any migration), named by
 * the PGlite version that made it, so that an upgraded PGlite never loads another version's files.
 */
export function pgliteTemplateFile(): URL {
  // dist/index.js of the installed package: its package.json is one folder up.
  const entry = import.meta.resolve('@electric-sql/pglite');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', entry), 'utf8')) as { version: string };
  return new URL(`../../dist/pglite-template-${version}.tar`, import.meta.url);
}
