/** The second factors a login may ask for. */
export const MFA_METHODS = ['TOTP', 'RECOVERY_CODE', 'PASSKEY'] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

/**
 * Not a failure: the password (or reset link) checked out, and the login needs a second factor. Thrown so that it
 * joins `login`'s result union beside the errors; carries the challenge `verifyMfa` takes, and what it accepts.
 */
export class MfaRequired extends Error {
  override name = 'MfaRequired';
  constructor(
    readonly challenge: string,
    readonly methods: readonly MfaMethod[],
  ) {
    super('A second factor is required: send a code with verifyMfa.');
  }
}
