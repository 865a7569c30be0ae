import type { ErrorCode, MfaMethod, UserFieldsFragment } from './gql/graphql.js';

export type { ErrorCode, MfaMethod };

/**
 * An expected failure, as the schema types it: wrong credentials, a refused argument, a taken username, a spent
 * refresh token. Anything else (no network, a 500, a refused token) rejects with urql's `CombinedError`, which
 * keeps network and GraphQL errors apart.
 *
 * @example
 * ```ts
 * try {
 *   await User.login(username, password);
 * } catch (error) {
 *   if (error instanceof TesseraError && error.code === 'INVALID_CREDENTIALS') showLoginFailed();
 *   else throw error;
 * }
 * ```
 */
export class TesseraError extends Error {
  override name = 'TesseraError';
  /** The schema's `ErrorCode`. */
  readonly code: ErrorCode;
  /** For `VALIDATION`: the argument that was refused (`username`, `email`, `password`, `newPassword`). */
  readonly field: string | undefined;

  constructor(failure: { code: ErrorCode; message: string; field?: string | null }) {
    super(failure.message);
    this.code = failure.code;
    this.field = failure.field ?? undefined;
  }
}

/**
 * Not a failure: the password was right and the account has a second factor on, so `User.login` (or
 * `User.resetPassword`) needs one more step before there is a session. No token is kept yet. Ask the user for a code
 * from their authenticator app (or one of their recovery codes) and call `verify(code)`, which logs in as `login`
 * would have: the pair is kept, `User.token()` becomes true and listeners hear a `login`. The step works for 5
 * minutes; a wrong code rejects with `TesseraError` `INVALID_MFA_CODE` and `verify` can be called again (the fifth
 * wrong code ends it: `INVALID_TOKEN`, log in again).
 *
 * A rejection rather than a resolved value, so that `login` keeps resolving to the logged-in user and no caller can
 * mistake a half-done login for a session.
 *
 * @example
 * ```ts
 * try {
 *   await User.login(username, password);
 * } catch (error) {
 *   if (!(error instanceof SecondFactorRequired)) throw error;
 *   // error.methods: ['TOTP', 'RECOVERY_CODE']
 *   const user = await error.verify(await askForCode());
 * }
 * ```
 */
export class SecondFactorRequired extends Error {
  override name = 'SecondFactorRequired';
  /**
   * What the user can answer with: `TOTP` (a code from the authenticator app), `RECOVERY_CODE`, `PASSKEY` (one of
   * their passkeys: `verifyWithPasskey()`).
   */
  readonly methods: readonly MfaMethod[];
  readonly #answer: SecondStepAnswers;

  /** @internal Made by the client, with the server's challenge. */
  constructor(methods: readonly MfaMethod[], answer: SecondStepAnswers) {
    super('The account has a second factor on: verify a code from the authenticator app, or a recovery code.');
    this.methods = methods;
    this.#answer = answer;
  }

  /**
   * Sends the code (6 digits from the authenticator app, or a recovery code) and, when right, logs in.
   * @returns The user, now logged in.
   * @throws `TesseraError` with code `INVALID_MFA_CODE` (wrong, used or replayed code: call again with another),
   *   `INVALID_TOKEN` (the step expired, was used, or died at the fifth wrong code: log in again),
   *   `ACCOUNT_DISABLED`, `EMAIL_NOT_VERIFIED`, `RATE_LIMITED` or `VALIDATION`.
   * @example `const user = await error.verify('123456');`
   */
  verify(code: string): Promise<UserFieldsFragment> {
    return this.#answer.code(code);
  }

  /**
   * Answers with one of the user's passkeys (when `methods` has `PASSKEY`): the browser asks them to unlock it, and
   * the login completes. Its access token says `amr: ["pwd", "hwk"]`.
   * @returns The user, now logged in.
   * @throws `TesseraError` with code `INVALID_PASSKEY`, `INVALID_TOKEN` (the step expired or was used: log in again),
   *   `ACCOUNT_DISABLED`, `EMAIL_NOT_VERIFIED` or `RATE_LIMITED`; the browser's `WebAuthnError` when the user cancels.
   * @example `if (error.methods.includes('PASSKEY')) await error.verifyWithPasskey();`
   */
  verifyWithPasskey(): Promise<UserFieldsFragment> {
    return this.#answer.passkey();
  }
}

/** @internal How a second step is answered: a code, or a passkey. */
export interface SecondStepAnswers {
  code(code: string): Promise<UserFieldsFragment>;
  passkey(): Promise<UserFieldsFragment>;
}
