import { startAuthentication, startRegistration } from '@simplewebauthn/browser';

/**
 * The browser's side of a passkey ceremony, by `@simplewebauthn/browser`: the server's options in, the
 * authenticator's signed answer out, as JSON for `registerPasskey` and `loginWithPasskey`. Rejects with its
 * `WebAuthnError` (or the browser's `NotAllowedError`) when the user cancels or no authenticator can answer.
 */
export const passkeyCeremonies = {
  create: async (options: Record<string, unknown>): Promise<Record<string, unknown>> =>
    toRecord(await startRegistration({ optionsJSON: options as never })),
  get: async (options: Record<string, unknown>): Promise<Record<string, unknown>> =>
    toRecord(await startAuthentication({ optionsJSON: options as never })),
};

const toRecord = (answer: object) => answer as unknown as Record<string, unknown>;
