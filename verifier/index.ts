// The `tessera/verifier` entry: what another Node service needs to trust Tessera's access tokens. Nothing here
// imports the server's modules.
export { createTesseraVerifier } from './verifier.js';
export type { TesseraVerifier, TesseraVerifierOptions, VerifierStatus } from './verifier.js';
export { useTesseraAuth, type TesseraAuthContext, type TesseraAuthPlugin } from './use-tessera-auth.js';
export type { TesseraClaims } from './claims.js';
export type { Clock } from './clock.js';
export type { FeedStatus } from './revocation-feed.js';
export type { ServiceCredentials } from './service-credentials.js';
export { TesseraUnavailableError, TesseraVerificationError, type TesseraVerificationReason } from './errors.js';
