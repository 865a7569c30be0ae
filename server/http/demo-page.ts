import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Plugin } from 'graphql-yoga';
import { answeringAt } from './answering-at.js';

const DEMO_DIR = fileURLToPath(new URL('../../dist/demo/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** What the demo page needs to know of this server to create its client (`/demo/settings.json`). */
export interface DemoSettings {
  /** The server sends the refresh token as an HttpOnly cookie: the client must run in cookie mode. */
  refreshTokenCookie: boolean;
}

/**
 * Serves the demo page (client/demo, built by `npm run build:demo` into dist/demo) at `/demo/`, so that a person
 * can try register, login, sessions and logout in a browser against this server.
 */
export function useDemoPage(settings: DemoSettings): Plugin {
  const settingsJson = JSON.stringify(settings);
  return {
    onRequest: answeringAt(
      (path) => path === '/demo' || path.startsWith('/demo/'),
      async ({ url, endResponse, fetchAPI }) => {
        if (url.pathname === '/demo') {
          endResponse(new fetchAPI.Response(null, { status: 308, headers: { location: '/demo/' } }));
          return;
        }
        if (url.pathname === '/demo/settings.json') {
          endResponse(new fetchAPI.Response(settingsJson, { headers: { 'content-type': 'application/json' } }));
          return;
        }
        let relative: string;
        try {
          relative = decodeURIComponent(url.pathname.slice('/demo/'.length)) || 'index.html';
        } catch {
          endResponse(new fetchAPI.Response('Not found', { status: 404 }));
          return;
        }
        const file = resolve(DEMO_DIR, relative);
        // Nothing outside the demo folder, whatever `..` or encoded separators the path holds.
        if (!file.startsWith(DEMO_DIR.endsWith(sep) ? DEMO_DIR : DEMO_DIR + sep)) {
          endResponse(new fetchAPI.Response('Not found', { status: 404 }));
          return;
        }
        try {
          const body = await readFile(file);
          const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
          endResponse(new fetchAPI.Response(body, { status: 200, headers: { 'content-type': type } }));
        } catch {
          const message =
            relative === 'index.html' ? 'The demo page is not built: run `npm run build:demo`.' : 'Not found';
          endResponse(new fetchAPI.Response(message, { status: 404, headers: { 'content-type': 'text/plain' } }));
        }
      },
    ),
  };
}
