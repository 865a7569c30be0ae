import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './panel.css';

import { GraphiQL, HISTORY_PLUGIN } from 'graphiql';
import { createRoot } from 'react-dom/client';

import { findAuthPayload } from './auth-payload-offer.js';
import { createEditorFetcher } from './editor-fetcher.js';
import { IdentityShelf } from './identity-shelf.js';
import { LatestPair } from './latest-pair.js';
import { PairOffer } from './pair-offer.js';
import { TesseraPanel } from './tessera-panel.js';
import { WELCOME_TEXT } from './welcome-text.js';

// The server says whether it keeps the refresh token in a cookie (REFRESH_TOKEN_COOKIE=true).
const settings = (await fetch('/graphiql/settings.json')
  .then((response) => response.json())
  .catch(() => ({ refreshTokenCookie: false }))) as { refreshTokenCookie: boolean };
const url = new URL('/graphql', window.location.href).href;
const shelf = new IdentityShelf(url, settings.refreshTokenCookie);
await shelf.restore();
const latest = new LatestPair();
const fetcher = createEditorFetcher({
  url,
  activeIdentity: () => shelf.active(),
  onResult: (result) => latest.set(findAuthPayload(result.data)),
});

const tesseraPlugin = {
  title: 'Tessera',
  icon: KeyIcon,
  content: () => <TesseraPanel shelf={shelf} />,
};

// A link may open the page with an operation, as Yoga's GraphiQL did: ?query=…&variables=…&headers=…
const link = new URLSearchParams(window.location.search);

createRoot(document.getElementById('graphiql')!).render(
  <GraphiQL
    fetcher={fetcher}
    plugins={[tesseraPlugin, HISTORY_PLUGIN]}
    visiblePlugin={tesseraPlugin}
    defaultQuery={WELCOME_TEXT}
    initialQuery={link.get('query') ?? undefined}
    initialVariables={link.get('variables') ?? undefined}
    initialHeaders={link.get('headers') ?? undefined}
    defaultEditorToolsVisibility="headers"
  >
    <GraphiQL.Footer>
      <PairOffer shelf={shelf} latest={latest} />
    </GraphiQL.Footer>
  </GraphiQL>,
);

function KeyIcon() {
  return (
    <svg viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" fill="none" stroke="currentColor">
      <circle cx="8" cy="15" r="4" strokeWidth="1.5" />
      <path d="M11 12l8-8m-3 3l2 2m-4 0l2 2" strokeWidth="1.5" strokeLinecap="round" />
    </svg>
  );
}
