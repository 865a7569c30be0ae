import type { Client, OperationResult } from '@urql/core';

import type { AuthChange, AuthSession } from './auth-session.js';
import { SKIP_AUTH } from './auth-exchange.js';
import {
  ChangeEmailDocument,
  ChangePasswordDocument,
  ConfirmTotpDocument,
  DeleteAccountDocument,
  DeletePasskeyDocument,
  DisableTotpDocument,
  EnrollTotpDocument,
  LoginDocument,
  LoginWithPasskeyDocument,
  LogoutAllDocument,
  LogoutDocument,
  MeDocument,
  PasskeyLoginOptionsDocument,
  PasskeyRegistrationOptionsDocument,
  PasskeysDocument,
  RegenerateRecoveryCodesDocument,
  RegisterDocument,
  RegisterPasskeyDocument,
  RequestEmailVerificationDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  RevokeSessionDocument,
  SessionsDocument,
  VerifyEmailDocument,
  VerifyMfaDocument,
} from './documents.js';
import { SecondFactorRequired, TesseraError } from './errors.js';
import type {
  AuthPayloadFieldsFragment,
  MfaMethod,
  PasskeyFieldsFragment,
  SessionsQuery,
  UserFieldsFragment,
} from './gql/graphql.js';
import { passkeyCeremonies } from './passkey-ceremonies.js';
import type { ServerClock } from './server-clock.js';
import { toStoredSession } from './stored-session.js';

export type TesseraUser = UserFieldsFragment;
export type TesseraSession = SessionsQuery['sessions'][number];
/** One of the user's passkeys (`User.passkeys`). */
export type TesseraPasskey = PasskeyFieldsFragment;
/** An authenticator app to set up (`User.enrollTotp`). */
export interface TotpEnrollment {
  /** Base32, for typing into the app by hand. */
  secret: string;
  /** The `otpauth://totp/…` URI the QR code holds. */
  uri: string;
  /** The URI as a QR code, an SVG document. */
  qrCodeSvg: string;
}

/** The logged-in user of this client, after the classic front-end `User` helper. */
export interface UserApi {
  /**
   * Creates an account and logs it in. With an email, the server mails a verification link to it (see `verifyEmail`).
   * @returns The new user.
   * @throws `TesseraError` with code `VALIDATION` (see `field`), `USERNAME_TAKEN` or `EMAIL_TAKEN`; or
   *   `EMAIL_NOT_VERIFIED` when the server requires verified addresses (REQUIRE_VERIFIED_EMAIL): the account exists
   *   and its verification mail is on its way, but no one is logged in until the address is confirmed.
   * @example `const user = await User.register('alice', 'alice@example.com', 'a long passphrase');`
   */
  register(username: string, email: string | null, password: string): Promise<TesseraUser>;
  /**
   * Logs in and keeps the token pair.
   * @throws `SecondFactorRequired` when the password was right and the account has a second factor on: no session
   *   yet; call its `verify(code)` with a code from the authenticator app (or a recovery code) to log in. Or
   *   `TesseraError` with code `INVALID_CREDENTIALS`, `ACCOUNT_DISABLED`, `RATE_LIMITED`, or `EMAIL_NOT_VERIFIED` (a
   *   server with REQUIRE_VERIFIED_EMAIL, an address not confirmed yet).
   * @example
   * ```ts
   * try {
   *   await User.login('alice', 'a long passphrase');
   * } catch (error) {
   *   if (!(error instanceof SecondFactorRequired)) throw error;
   *   await error.verify(await askForCode(error.methods));
   * }
   * ```
   */
  login(username: string, password: string): Promise<TesseraUser>;
  /**
   * Tells the server (ending this session) and always clears local state, even when the server cannot be reached.
   * @example `await User.logout();`
   */
  logout(): Promise<void>;
  /**
   * Resolves once the session is loaded (from storage; in cookie mode, by one refresh through the cookie after a
   * reload), with whether a user is logged in. Before that, `token()` may say false for a session being restored.
   * @throws urql's `CombinedError` when a cookie-mode restore could not reach the server (twice: at start and on
   *   this call); calling again tries again.
   * @example `if (!(await User.ready())) showLogin();`
   */
  ready(): Promise<boolean>;
  /**
   * Whether a token is held (the classic `!!jwt`). For the token itself, `accessToken()`.
   * @example `if (!User.token()) showLogin();`
   */
  token(): boolean;
  /**
   * A valid access token, to call another service that trusts Tessera's tokens (send it as
   * `Authorization: Bearer <token>`). Refreshes first when the held one is about to expire, by the server's clock,
   * so the token returned has time left; one refresh is shared with any already in flight. Null when logged out,
   * or when the server refused the refresh (the client is then logged out).
   * @throws urql's `CombinedError` when a needed refresh could not reach the server.
   * @example
   * ```ts
   * const token = await User.accessToken();
   * if (token) await fetch('https://reports.example.com/api', { headers: { Authorization: `Bearer ${token}` } });
   * ```
   */
  accessToken(): Promise<string | null>;
  /**
   * The user as the server knows them now; null when logged out.
   * @example `const me = await User.me();`
   */
  me(): Promise<TesseraUser | null>;
  /**
   * This user's live sessions (`current` marks this one).
   * @example `const sessions = await User.sessions();`
   */
  sessions(): Promise<TesseraSession[]>;
  /**
   * Ends one of this user's sessions.
   * @returns False when there was no such live session.
   * @example `await User.revokeSession(session.id);`
   */
  revokeSession(id: string): Promise<boolean>;
  /**
   * Ends every session of this user, this one included, and clears local state.
   * @returns How many sessions ended.
   * @example `await User.logoutAll();`
   */
  logoutAll(): Promise<number>;
  /**
   * Changes the password; other sessions end and this one continues with a fresh pair.
   * @throws `TesseraError` with code `INVALID_CREDENTIALS` (wrong current password) or `VALIDATION`.
   * @example `await User.changePassword('old passphrase', 'new passphrase');`
   */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  /**
   * Asks for a password reset mail. The server answers the same whether or not an account has this address (the
   * answer does not tell who has an account); when one does, its mail links to the front end at the server's APP_URL
   * with `#action=reset-password&token=…`, for `resetPassword`. Needs no login.
   * @returns The address, as the server read it.
   * @throws `TesseraError` with code `VALIDATION`, `RATE_LIMITED`, or `MAIL_UNAVAILABLE` (a server that sends no mail).
   * @example `await User.requestPasswordReset('alice@example.com');`
   */
  requestPasswordReset(email: string): Promise<string>;
  /**
   * Sets a new password with the token from a reset mail's link, and logs in: keeps the new pair, as `login` does.
   * Every other session of the account ends. The link works once.
   * @returns The user, now logged in.
   * @throws `SecondFactorRequired` when the account has a second factor on: the password is changed, and its
   *   `verify(code)` logs in (as for `login`). Or `TesseraError` with code `INVALID_TOKEN` (unknown, used, replaced by a newer mail, or expired: ask for a
   *   new mail), `VALIDATION` (see `field`: `newPassword`), `ACCOUNT_DISABLED`, `EMAIL_NOT_VERIFIED` or
   *   `RATE_LIMITED`. A refused new password leaves the link working.
   * @example
   * ```ts
   * const link = new URLSearchParams(location.hash.slice(1)); // #action=reset-password&token=…
   * if (link.get('action') === 'reset-password') await User.resetPassword(link.get('token')!, newPassword);
   * ```
   */
  resetPassword(token: string, newPassword: string): Promise<TesseraUser>;
  /**
   * Proves an address with the token from a verification mail's link. Needs no login (the link may be opened on
   * another device); when this client is logged in as that user, the user it keeps is updated and `onChange`
   * listeners hear a `refresh`.
   * @returns The user, with `emailVerified` true and, after `changeEmail`, the new `email`.
   * @throws `TesseraError` with code `INVALID_TOKEN` (unknown, used, replaced by a newer mail, or expired),
   *   `EMAIL_TAKEN` (another account took the address meanwhile), `VALIDATION` or `RATE_LIMITED`.
   * @example
   * ```ts
   * const link = new URLSearchParams(location.hash.slice(1)); // #action=verify-email&token=…
   * if (link.get('action') === 'verify-email') await User.verifyEmail(link.get('token')!);
   * ```
   */
  verifyEmail(token: string): Promise<TesseraUser>;
  /**
   * Mails another verification link to this user's address; only the latest mail's link works.
   * @returns The address it goes to.
   * @throws `TesseraError` with code `VALIDATION` (no address, or already verified), `RATE_LIMITED` or
   *   `MAIL_UNAVAILABLE`.
   * @example `const to = await User.requestEmailVerification();`
   */
  requestEmailVerification(): Promise<string>;
  /**
   * Starts a change of address, once the password is confirmed: a verification mail goes to the new address and a
   * notice to the old one. The user's `email` changes only when the new address is verified (`verifyEmail`).
   * @returns The new address, where the mail goes.
   * @throws `TesseraError` with code `INVALID_CREDENTIALS` (wrong password), `EMAIL_TAKEN`, `VALIDATION` (see
   *   `field`: `newEmail`), `RATE_LIMITED` or `MAIL_UNAVAILABLE`.
   * @example `await User.changeEmail('alice@new.example.com', 'a long passphrase');`
   */
  changeEmail(newEmail: string, password: string): Promise<string>;
  /**
   * Deletes this user's account, with every session of it, once the password is confirmed; then clears local state
   * (listeners hear a `logout`). The username is free again.
   * @returns The id of the deleted user.
   * @throws `TesseraError` with code `INVALID_CREDENTIALS` (wrong password; nothing is deleted), `VALIDATION` or
   *   `RATE_LIMITED`.
   * @example `await User.deleteAccount('a long passphrase');`
   */
  deleteAccount(password: string): Promise<string>;
  /**
   * Starts setting up an authenticator app: show `qrCodeSvg` (or `secret`, to type in) and confirm with a code from
   * the app (`confirmTotp`). Until confirmed, nothing changes at login; a new start replaces one not confirmed.
   * @throws `TesseraError` with code `TOTP_ALREADY_ENABLED` (turn it off first: `disableTotp`).
   * @example
   * ```ts
   * const { qrCodeSvg } = await User.enrollTotp();
   * const recoveryCodes = await User.confirmTotp(await askForCode());
   * ```
   */
  enrollTotp(): Promise<TotpEnrollment>;
  /**
   * Turns the authenticator app on with a current code from it; from now on `login` throws `SecondFactorRequired`.
   * The user this client keeps gets `mfaEnabled` true and listeners hear a `refresh`.
   * @returns 10 recovery codes, shown this once: each logs in once in place of a code from the app.
   * @throws `TesseraError` with code `INVALID_MFA_CODE`, `TOTP_ALREADY_ENABLED`, `VALIDATION` or `RATE_LIMITED`.
   * @example `const recoveryCodes = await User.confirmTotp('123456');`
   */
  confirmTotp(code: string): Promise<string[]>;
  /**
   * Turns the second factor off with a code from the app or a recovery code; needs a recent login (REAUTH_WINDOW).
   * The user this client keeps gets `mfaEnabled` false and listeners hear a `refresh`.
   * @returns The user.
   * @throws `TesseraError` with code `INVALID_MFA_CODE`, `REAUTHENTICATION_REQUIRED` (log in again, then retry),
   *   `VALIDATION` or `RATE_LIMITED`.
   * @example `await User.disableTotp('123456');`
   */
  disableTotp(code: string): Promise<TesseraUser>;
  /**
   * Replaces the recovery codes (the old ones stop working), with a code from the app or a recovery code; needs a
   * recent login (REAUTH_WINDOW).
   * @returns The 10 new recovery codes, shown this once.
   * @throws `TesseraError` with code `INVALID_MFA_CODE`, `REAUTHENTICATION_REQUIRED` (log in again, then retry),
   *   `VALIDATION` or `RATE_LIMITED`.
   * @example `const recoveryCodes = await User.regenerateRecoveryCodes('123456');`
   */
  regenerateRecoveryCodes(code: string): Promise<string[]>;
  /**
   * Makes a passkey for this user on this device (the browser asks the user to unlock their authenticator) and
   * registers it: from now on `loginWithPasskey` logs them in with no username or password.
   * @param name What to call it ("Laptop"); "Passkey" when left out.
   * @returns The new passkey.
   * @throws `TesseraError` with code `INVALID_PASSKEY` (the answer did not verify, or this passkey is registered
   *   already), `VALIDATION` or `RATE_LIMITED` (too many asked); the browser's `WebAuthnError` when the user cancels or the device has
   *   no authenticator.
   * @example `await User.registerPasskey('Laptop');`
   */
  registerPasskey(name?: string): Promise<TesseraPasskey>;
  /**
   * This user's passkeys, oldest first.
   * @example `const passkeys = await User.passkeys();`
   */
  passkeys(): Promise<TesseraPasskey[]>;
  /**
   * Removes one of this user's passkeys; needs a recent login (REAUTH_WINDOW).
   * @returns False when the user has no passkey with this id.
   * @throws `TesseraError` with code `REAUTHENTICATION_REQUIRED` (log in again, then retry).
   * @example `await User.deletePasskey(passkey.id);`
   */
  deletePasskey(id: string): Promise<boolean>;
  /**
   * Logs in with a passkey, with no username or password: the browser offers the passkeys it holds for this site and
   * the user picks one. Keeps the pair, as `login` does; its access token says `amr: ["hwk"]` (or `["swk"]`, synced).
   * @returns The user, now logged in.
   * @throws `TesseraError` with code `INVALID_PASSKEY` (unknown or removed passkey, or a copied authenticator),
   *   `ACCOUNT_DISABLED`, `EMAIL_NOT_VERIFIED` or `RATE_LIMITED`; the browser's `WebAuthnError` when the user cancels.
   * @example `const user = await User.loginWithPasskey();`
   */
  loginWithPasskey(): Promise<TesseraUser>;
  /**
   * Calls `listener` on every login, refresh and logout, including those made in another tab.
   * @returns A function that stops the calls.
   * @example `const stop = User.onChange(({ type, user }) => render(user));`
   */
  onChange(listener: (change: AuthChange) => void): () => void;
}

export function createUserApi(client: Client, session: AuthSession, clock: ServerClock): UserApi {
  const anonymous = { [SKIP_AUTH]: true, requestPolicy: 'network-only' } as const;
  const fresh = { requestPolicy: 'network-only' } as const;

  async function keep(payload: AuthPayloadFieldsFragment): Promise<TesseraUser> {
    await session.set(toStoredSession(payload, clock), 'login');
    return payload.user;
  }

  /** The second step of a login that answered `MfaRequired`, handed over as a rejection. */
  function secondFactorRequired(required: { challenge: string; methods: MfaMethod[] }): SecondFactorRequired {
    const { challenge } = required;
    return new SecondFactorRequired(required.methods, {
      async code(code) {
        const outcome = dataOrThrow(await client.mutation(VerifyMfaDocument, { challenge, code }, anonymous)).verifyMfa;
        if (outcome.__typename === 'AuthPayload') return keep(outcome);
        throw new TesseraError(outcome);
      },
      passkey: () => passkeyLogin(challenge),
    });
  }

  /** A login with a passkey: a whole one, or (with its challenge) the second step of a password login. */
  async function passkeyLogin(challenge: string | null): Promise<TesseraUser> {
    const asked = dataOrThrow(await client.mutation(PasskeyLoginOptionsDocument, { challenge }, anonymous));
    const options = asked.passkeyLoginOptions;
    if (options.__typename !== 'PasskeyOptions') throw new TesseraError(options);
    const response = await passkeyCeremonies.get(options.options);
    const result = await client.mutation(LoginWithPasskeyDocument, { response, challenge }, anonymous);
    const outcome = dataOrThrow(result).loginWithPasskey;
    if (outcome.__typename === 'AuthPayload') return keep(outcome);
    throw new TesseraError(outcome);
  }

  /** Updates the user this client keeps, when it is the one logged in (listeners hear a `refresh`). */
  async function updateKept(changes: Partial<TesseraUser>): Promise<void> {
    await session.ready;
    const current = session.current?.user;
    if (current) await session.updateUser({ ...current, ...changes });
  }

  return {
    async register(username, email, password) {
      const result = dataOrThrow(await client.mutation(RegisterDocument, { username, email, password }, anonymous));
      const outcome = result.register;
      if (outcome.__typename === 'AuthPayload') return keep(outcome);
      throw new TesseraError(outcome);
    },
    async login(username, password) {
      const outcome = dataOrThrow(await client.mutation(LoginDocument, { username, password }, anonymous)).login;
      if (outcome.__typename === 'AuthPayload') return keep(outcome);
      if (outcome.__typename === 'MfaRequired') throw secondFactorRequired(outcome);
      throw new TesseraError(outcome);
    },
    async logout() {
      await session.ready;
      try {
        // In cookie mode the server ends the cookie's session even when this page holds no access token.
        if (session.current || session.mayHaveCookieSession()) {
          await client.mutation(LogoutDocument, {}, fresh).toPromise();
        }
      } finally {
        await session.clear();
      }
    },
    async ready() {
      await session.settled();
      return session.current !== null;
    },
    token: () => session.current !== null,
    accessToken: () => session.validAccessToken(),
    async me() {
      await session.ready;
      if (!session.current) return null;
      return dataOrThrow(await client.query(MeDocument, {}, fresh).toPromise()).me;
    },
    async sessions() {
      return dataOrThrow(await client.query(SessionsDocument, {}, fresh).toPromise()).sessions;
    },
    async revokeSession(id) {
      return dataOrThrow(await client.mutation(RevokeSessionDocument, { id }, fresh)).revokeSession;
    },
    async logoutAll() {
      await session.ready;
      try {
        return dataOrThrow(await client.mutation(LogoutAllDocument, {}, fresh)).logoutAll;
      } finally {
        await session.clear();
      }
    },
    async changePassword(currentPassword, newPassword) {
      const result = await client.mutation(ChangePasswordDocument, { currentPassword, newPassword }, fresh);
      const outcome = dataOrThrow(result).changePassword;
      if (outcome.__typename !== 'AuthPayload') throw new TesseraError(outcome);
      await session.set(toStoredSession(outcome, clock), 'refresh');
    },
    async requestPasswordReset(email) {
      const result = await client.mutation(RequestPasswordResetDocument, { email }, anonymous);
      const outcome = dataOrThrow(result).requestPasswordReset;
      if (outcome.__typename === 'MailQueued') return outcome.to;
      throw new TesseraError(outcome);
    },
    async resetPassword(token, newPassword) {
      const result = await client.mutation(ResetPasswordDocument, { token, newPassword }, anonymous);
      const outcome = dataOrThrow(result).resetPassword;
      if (outcome.__typename === 'AuthPayload') return keep(outcome);
      if (outcome.__typename === 'MfaRequired') throw secondFactorRequired(outcome);
      throw new TesseraError(outcome);
    },
    async verifyEmail(token) {
      // Sent without the token held: the link proves the mailbox, whoever (if anyone) is logged in here.
      const outcome = dataOrThrow(await client.mutation(VerifyEmailDocument, { token }, anonymous)).verifyEmail;
      if (outcome.__typename !== 'User') throw new TesseraError(outcome);
      const { __typename, ...user } = outcome;
      await session.ready;
      await session.updateUser(user);
      return user;
    },
    async requestEmailVerification() {
      const result = await client.mutation(RequestEmailVerificationDocument, {}, fresh);
      const outcome = dataOrThrow(result).requestEmailVerification;
      if (outcome.__typename === 'MailQueued') return outcome.to;
      throw new TesseraError(outcome);
    },
    async changeEmail(newEmail, password) {
      const result = await client.mutation(ChangeEmailDocument, { newEmail, password }, fresh);
      const outcome = dataOrThrow(result).changeEmail;
      if (outcome.__typename === 'MailQueued') return outcome.to;
      throw new TesseraError(outcome);
    },
    async deleteAccount(password) {
      const outcome = dataOrThrow(await client.mutation(DeleteAccountDocument, { password }, fresh)).deleteAccount;
      if (outcome.__typename !== 'AccountDeleted') throw new TesseraError(outcome);
      await session.clear();
      return outcome.userId;
    },
    async enrollTotp() {
      const outcome = dataOrThrow(await client.mutation(EnrollTotpDocument, {}, fresh)).enrollTotp;
      if (outcome.__typename !== 'TotpEnrollment') throw new TesseraError(outcome);
      return { secret: outcome.secret, uri: outcome.uri, qrCodeSvg: outcome.qrCodeSvg };
    },
    async confirmTotp(code) {
      const outcome = dataOrThrow(await client.mutation(ConfirmTotpDocument, { code }, fresh)).confirmTotp;
      if (outcome.__typename !== 'RecoveryCodes') throw new TesseraError(outcome);
      await updateKept({ mfaEnabled: true });
      return outcome.codes;
    },
    async disableTotp(code) {
      const outcome = dataOrThrow(await client.mutation(DisableTotpDocument, { code }, fresh)).disableTotp;
      if (outcome.__typename !== 'User') throw new TesseraError(outcome);
      const { __typename, ...user } = outcome;
      await updateKept(user);
      return user;
    },
    async regenerateRecoveryCodes(code) {
      const result = await client.mutation(RegenerateRecoveryCodesDocument, { code }, fresh);
      const outcome = dataOrThrow(result).regenerateRecoveryCodes;
      if (outcome.__typename !== 'RecoveryCodes') throw new TesseraError(outcome);
      return outcome.codes;
    },
    async registerPasskey(name) {
      const asked = dataOrThrow(await client.mutation(PasskeyRegistrationOptionsDocument, {}, fresh));
      const options = asked.passkeyRegistrationOptions;
      if (options.__typename !== 'PasskeyOptions') throw new TesseraError(options);
      const response = await passkeyCeremonies.create(options.options);
      const result = await client.mutation(RegisterPasskeyDocument, { response, name }, fresh);
      const outcome = dataOrThrow(result).registerPasskey;
      if (outcome.__typename !== 'Passkey') throw new TesseraError(outcome);
      const { __typename, ...passkey } = outcome;
      return passkey;
    },
    async passkeys() {
      return dataOrThrow(await client.query(PasskeysDocument, {}, fresh).toPromise()).passkeys;
    },
    async deletePasskey(id) {
      const outcome = dataOrThrow(await client.mutation(DeletePasskeyDocument, { id }, fresh)).deletePasskey;
      if (outcome.__typename !== 'PasskeyDeletion') throw new TesseraError(outcome);
      return outcome.deleted;
    },
    loginWithPasskey: () => passkeyLogin(null),
    onChange: (listener) => session.onChange(listener),
  };
}

/** The data of a result, or its `CombinedError` thrown (network and GraphQL errors kept apart). */
function dataOrThrow<T>(result: OperationResult<T>): T {
  if (result.error) throw result.error;
  if (result.data === undefined) throw new Error('The server returned no data.');
  return result.data;
}
