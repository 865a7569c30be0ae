import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

import { readStaticFile } from './static-folder.js';
import { EXAMPLE_OPERATIONS } from './graphiql-examples.js';
import { answeringAt } from './answering-at.js';

/** GraphiQL with the Tessera panel (client/graphiql), built by `npm run build:graphiql`. */
const PANEL_DIR = fileURLToPath(new URL('../../dist/graphiql/', import.meta.url));
const ASSETS_PREFIX = '/graphiql/';

const FALLBACK_QUERY = `# Welcome to Tessera.
#
# This is GraphiQL without the Tessera panel, which is not built here (npm run build:graphiql).
# 1. Run "Login" (or "Register") below and copy the accessToken from the result.
# 2. Open the Headers tab and paste it after "Bearer ".
# 3. Run "Me".

${EXAMPLE_OPERATIONS}`;

/**
 * Options for the plain GraphiQL, shown when the panel's page is not built (a package installed without it): opened
 * with examples and the header to fill in. An empty `Bearer ` is read as no token.
 */
export const graphiqlOptions: GraphiQLOptions = {
  title: 'Tessera',
  defaultQuery: FALLBACK_QUERY,
  headers: JSON.stringify({ Authorization: 'Bearer ' }, null, 2),
};

/** What the panel needs to know of this server (`/graphiql/settings.json`). */
export interface GraphiQLPanelSettings {
  /** The server sends the refresh token as an HttpOnly cookie: the panel's client runs in cookie mode. */
  refreshTokenCookie: boolean;
}

/**
 * Yoga's `renderGraphiQL`: the page with the Tessera panel, whose scripts (`/graphiql/…`) this server serves too, so
 * the page needs nothing from another site. Read at each request (a rebuild renames the scripts); the plain GraphiQL
 * when the page is not built.
 */
export async function renderTesseraGraphiQL(options: GraphiQLOptions): Promise<string> {
  try {
    return await readFile(`${PANEL_DIR}index.html`, 'utf8');
  } catch {
    return renderGraphiQL(options);
  }
}

/** Serves the panel page's scripts, styles and fonts at `/graphiql/`, and its settings. */
export function useGraphiQLPanel(settings: GraphiQLPanelSettings): Plugin {
  const settingsJson = JSON.stringify(settings);
  return {
    onRequest: answeringAt(
      (path) => path.startsWith(ASSETS_PREFIX),
      async ({ url, endResponse, fetchAPI }) => {
        const relative = url.pathname.slice(ASSETS_PREFIX.length);
        if (relative === 'settings.json') {
          endResponse(new fetchAPI.Response(settingsJson, { headers: { 'content-type': 'application/json' } }));
          return;
        }
        const file = relative.startsWith('assets/') ? await readStaticFile(PANEL_DIR, relative) : null;
        endResponse(
          file
            ? new fetchAPI.Response(file.body, {
                // Names carry a hash of the content: a new build has new names.
                headers: { 'content-type': file.contentType, 'cache-control': 'public, max-age=31536000, immutable' },
              })
            : new fetchAPI.Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } }),
        );
      },
    ),
  };
}
