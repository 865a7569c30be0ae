import type { Config } from '../config.js';

/** Who passkeys are registered with (the RP id, a host name) and the pages allowed to use them (their origins). */
export interface RelyingParty {
  readonly id: string;
  readonly origins: readonly string[];
}

/**
 * The relying party of a request: WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS when set (required in production). Outside
 * production, the server's own URL as the request reached it (so `http://localhost:4000` works with no setting, and
 * so does a test server on any port), plus APP_URL's origin for a front end served elsewhere.
 */
export function relyingPartyResolver(
  config: Pick<Config, 'webauthn' | 'appUrl'>,
): (requestUrl: string) => RelyingParty {
  const { rpId, origins } = config.webauthn;
  if (rpId !== undefined && origins !== undefined) {
    const fixed: RelyingParty = { id: rpId, origins };
    return () => fixed;
  }
  const appOrigin = config.appUrl === undefined ? [] : [new URL(config.appUrl).origin];
  return (requestUrl) => {
    const url = new URL(requestUrl);
    return {
      id: rpId ?? url.hostname,
      origins: origins ?? [...new Set([url.origin, ...appOrigin])],
    };
  };
}
