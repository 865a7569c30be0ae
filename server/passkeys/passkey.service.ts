import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';

import type { AccessTokenClaims } from '../auth/access-tokens.js';
import { passLoginSteps, type LoginStep } from '../auth/login/login-steps.js';
import type { RevocationSink } from '../auth/revoking.js';
import { hashSecretToken, isWellFormedSecretToken } from '../auth/secret-tokens.js';
import type { ClientInfo } from '../auth/session.js';
import { isLoginMethod, type SessionService } from '../auth/session.service.js';
import { requireRecentLogin, type StepUpSettings } from '../auth/step-up.js';
import { amrOf, type AuthPayload } from '../auth/token-pair.js';
import type { Database, PasskeyRow } from '../db/database.js';
import { deleteChallenge, findLiveChallenge } from '../db/mfa.repository.js';
import {
  consumeWebAuthnChallenge,
  deletePasskey,
  findPasskeyForUpdate,
  insertPasskey,
  insertWebAuthnChallenge,
  listPasskeys,
  recordPasskeyUse,
} from '../db/passkey.repository.js';
import { findUserById } from '../db/user.repository.js';
import { ExpectedError, InvalidPasskeyError, InvalidTokenError, ValidationError } from '../errors.js';
import type { AuthEventLog } from '../events/auth-event-log.js';
import { inUnitOfWork } from '../events/unit-of-work.js';
import { CHALLENGE_MAX_FAILURES } from '../mfa/mfa-challenges.js';
import type { RateLimits } from '../security/rate-limits.js';
import { checkWellFormed } from '../users/user-input.js';
import { toUser } from '../users/user.js';
import type { RelyingParty } from './relying-party.js';
import { readClientChallenge } from './webauthn-response.js';

/** A passkey as its owner sees it. */
export interface Passkey {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  /** Synced between devices by a passkey provider (multi-device), rather than bound to one authenticator. */
  readonly synced: boolean;
}

/**
 * Passkeys: registration by a logged-in user, and logins with one, whole or as a second step. Every method that
 * runs a ceremony takes the URL the request came to, from which the relying party is resolved (`relying-party.ts`).
 */
export interface PasskeyService {
  /** Options for `navigator.credentials.create` (a discoverable credential, with user verification). */
  registrationOptions(
    token: AccessTokenClaims,
    requestUrl: string,
    client: ClientInfo,
  ): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Verifies the browser's answer to those options and keeps the passkey. */
  register(
    token: AccessTokenClaims,
    response: Record<string, unknown>,
    name: string | null,
    requestUrl: string,
    client: ClientInfo,
  ): Promise<Passkey>;
  list(userId: string): Promise<Passkey[]>;
  /** Removes one of the viewer's passkeys (needs a recent login); false when they have none with this id. */
  delete(token: AccessTokenClaims, id: string, client: ClientInfo): Promise<boolean>;
  /**
   * Options for `navigator.credentials.get`: any passkey of this site (no username), or, with the challenge of a
   * login's second step, the passkeys of that login's user.
   */
  loginOptions(
    requestUrl: string,
    mfaChallenge: string | null,
    client: ClientInfo,
  ): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** Opens a session from a passkey's assertion: a whole login, or the second step of one (`mfaChallenge`). */
  login(
    response: Record<string, unknown>,
    mfaChallenge: string | null,
    requestUrl: string,
    client: ClientInfo,
  ): Promise<AuthPayload>;
}

/** How long the browser has to answer a ceremony (the user finds their authenticator, touches it, unlocks it). */
export const CEREMONY_TTL_MS = 5 * 60_000;
const NAME_MAX_LENGTH = 64;
const DEAD_CHALLENGE = 'This sign-in has expired or was already used. Log in again.';

/** RFC 8176: a key bound to hardware (`hwk`), or one a provider syncs between devices (`swk`). */
const amrOfPasskey = (passkey: Pick<PasskeyRow, 'device_type'>) =>
  passkey.device_type === 'singleDevice' ? 'hwk' : 'swk';

const toPasskey = (row: PasskeyRow): Passkey => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  synced: row.device_type === 'multiDevice',
});

type Assertion =
  | { passed: PasskeyRow; mfa: { loginMethod: string; amr: string[] } | null }
  | { refused: InvalidPasskeyError | InvalidTokenError };

export function createPasskeyService(deps: {
  db: Kysely<Database>;
  revocations: RevocationSink;
  events: AuthEventLog;
  rateLimits: RateLimits;
  sessions: SessionService;
  loginSteps: readonly LoginStep[];
  stepUp: StepUpSettings;
  /** What the browser names the site in its prompt (JWT_ISSUER). */
  rpName: string;
  relyingPartyOf: (requestUrl: string) => RelyingParty;
}): PasskeyService {
  const { db, events, rateLimits, sessions, loginSteps, stepUp, rpName, relyingPartyOf } = deps;
  const { clock } = stepUp;
  const changes = deps;
  const expiresAt = () => new Date(clock.now() + CEREMONY_TTL_MS);

  return {
    async registrationOptions(token, requestUrl, client) {
      const rp = relyingPartyOf(requestUrl);
      // Each ask stores a challenge: counted, so that no one fills the table.
      await rateLimits.attempt('managePasskeys', { account: token.userId, address: client.ip });
      const user = await findUserById(db, token.userId);
      if (!user) throw new InvalidTokenError('This account no longer exists.');
      const existing = await listPasskeys(db, user.id);
      const options = await generateRegistrationOptions({
        rpName,
        rpID: rp.id,
        userName: user.username,
        userDisplayName: user.username,
        // The user handle the authenticator keeps: the account's id, never the username (which can change).
        userID: new TextEncoder().encode(user.id),
        attestationType: 'none',
        // An authenticator that already holds one of the user's passkeys says so instead of making a second.
        excludeCredentials: existing.map((row) => ({ id: row.id, transports: transportsOf(row) })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        timeout: CEREMONY_TTL_MS,
      });
      await insertWebAuthnChallenge(db, {
        challenge: options.challenge,
        purpose: 'registration',
        user_id: user.id,
        mfa_challenge_hash: null,
        expires_at: expiresAt(),
      });
      return options;
    },

    async register(token, response, name, requestUrl, client) {
      const rp = relyingPartyOf(requestUrl);
      const label = passkeyName(name);
      await rateLimits.attempt('managePasskeys', { account: token.userId, address: client.ip });
      const now = new Date(clock.now());
      const challenge = readClientChallenge(response);
      const issued = challenge && (await consumeWebAuthnChallenge(db, challenge, { purpose: 'registration', now }));
      if (!issued || issued.user_id !== token.userId) {
        throw new InvalidPasskeyError('These passkey options have expired or were used: ask for new ones.');
      }
      const verification = await verifyRegistrationResponse({
        response: response as unknown as RegistrationResponseJSON,
        expectedChallenge: issued.challenge,
        expectedOrigin: [...rp.origins],
        expectedRPID: rp.id,
        requireUserVerification: true,
      }).catch(() => ({ verified: false }) as const);
      if (!verification.verified) throw new InvalidPasskeyError();
      const { credential, credentialDeviceType, credentialBackedUp, aaguid } = verification.registrationInfo;

      const row = await inUnitOfWork(changes, async (trx, unit) => {
        const stored = await insertPasskey(trx, {
          id: credential.id,
          user_id: token.userId,
          name: label,
          public_key: credential.publicKey,
          counter: credential.counter,
          transports: (credential.transports ?? []).join(' '),
          device_type: credentialDeviceType,
          backed_up: credentialBackedUp,
          aaguid,
          last_used_at: null,
        });
        if (!stored) return undefined;
        unit.record({ type: 'PASSKEY_ADDED', userId: token.userId, client });
        return (await listPasskeys(trx, token.userId)).find((passkey) => passkey.id === credential.id);
      });
      if (!row) throw new InvalidPasskeyError('This passkey is already registered.');
      return toPasskey(row);
    },

    async list(userId) {
      return (await listPasskeys(db, userId)).map(toPasskey);
    },

    async delete(token, id, client) {
      requireRecentLogin(token, stepUp);
      return inUnitOfWork(changes, async (trx, unit) => {
        const deleted = await deletePasskey(trx, token.userId, id);
        if (deleted) unit.record({ type: 'PASSKEY_REMOVED', userId: token.userId, client });
        return deleted !== undefined;
      });
    },

    async loginOptions(requestUrl, mfaChallenge, client) {
      const rp = relyingPartyOf(requestUrl);
      // Anyone may ask, and each ask stores a challenge: counted per address, so that no one fills the table.
      await rateLimits.attempt('passkeyOptions', { address: client.ip });
      const pending = mfaChallenge === null ? null : await liveMfaChallenge(mfaChallenge);
      if (pending === undefined) throw new InvalidTokenError(DEAD_CHALLENGE);
      const allowed = pending ? await listPasskeys(db, pending.user_id) : [];
      const options = await generateAuthenticationOptions({
        rpID: rp.id,
        // Empty for a login with no username: the authenticator offers the passkeys it holds for this site.
        allowCredentials: allowed.map((row) => ({ id: row.id, transports: transportsOf(row) })),
        userVerification: 'required',
        timeout: CEREMONY_TTL_MS,
      });
      await insertWebAuthnChallenge(db, {
        challenge: options.challenge,
        purpose: 'login',
        user_id: pending ? pending.user_id : null,
        mfa_challenge_hash: pending ? pending.challenge_hash : null,
        expires_at: expiresAt(),
      });
      return options;
    },

    async login(response, mfaChallenge, requestUrl, client) {
      const rp = relyingPartyOf(requestUrl);
      await rateLimits.attempt('loginWithPasskey', { address: client.ip });
      const now = new Date(clock.now());
      const challenge = readClientChallenge(response);
      const credentialId = typeof response.id === 'string' ? response.id : undefined;

      const outcome = await inUnitOfWork(changes, async (trx, unit): Promise<Assertion> => {
        const issued = challenge && (await consumeWebAuthnChallenge(trx, challenge, { purpose: 'login', now }));
        const passkey = issued && credentialId ? await findPasskeyForUpdate(trx, credentialId) : undefined;
        const refuse = (reason: string, error = new InvalidPasskeyError()): Assertion => {
          unit.record({ type: 'PASSKEY_REFUSED', userId: passkey?.user_id ?? null, client, detail: { reason } });
          return { refused: error };
        };
        if (!issued) return refuse('UNKNOWN_CHALLENGE');
        if (!passkey) return refuse('UNKNOWN_PASSKEY');
        // Options for a login's second step name that login's user: another account's passkey does not answer it.
        if (issued.user_id !== null && issued.user_id !== passkey.user_id) return refuse('OTHER_USER');
        if ((mfaChallenge === null) !== (issued.mfa_challenge_hash === null)) return refuse('WRONG_CEREMONY');

        const verification = await verifyAuthenticationResponse({
          response: response as unknown as AuthenticationResponseJSON,
          expectedChallenge: issued.challenge,
          expectedOrigin: [...rp.origins],
          expectedRPID: rp.id,
          // The counter is compared below, once the signature is proven, so that a copy is told from a forgery.
          credential: {
            id: passkey.id,
            publicKey: new Uint8Array(passkey.public_key),
            counter: 0,
            transports: transportsOf(passkey),
          },
          requireUserVerification: true,
        }).catch(() => undefined);
        if (!verification?.verified) return refuse('VERIFICATION_FAILED');
        // The user handle the authenticator returned must be the account this credential was registered to.
        if (!userHandleMatches(response, passkey.user_id)) return refuse('VERIFICATION_FAILED');

        const stored = Number(passkey.counter);
        const { newCounter, credentialBackedUp } = verification.authenticationInfo;
        // A genuine authenticator's counter only grows: one that went back signed elsewhere in between, so two
        // authenticators hold this key (WebAuthn §6.1.1). Authenticators that keep no counter send 0 every time.
        if ((newCounter > 0 || stored > 0) && newCounter <= stored) {
          return refuse(
            'CLONED_AUTHENTICATOR',
            new InvalidPasskeyError(
              'This passkey was refused: its signature counter went backwards, which is the sign of a copied ' +
                'authenticator. Log in another way, and remove this passkey.',
            ),
          );
        }
        await recordPasskeyUse(trx, passkey.id, { counter: newCounter, backedUp: credentialBackedUp, at: now });

        if (issued.mfa_challenge_hash === null) return { passed: passkey, mfa: null };
        // The second step of a login: its challenge is used up with this answer, as a code would use it.
        const step = await findLiveChallenge(trx, issued.mfa_challenge_hash, {
          now,
          maxFailures: CHALLENGE_MAX_FAILURES,
          lock: true,
        });
        if (!step || step.challenge_hash !== hashSecretToken(mfaChallenge ?? '')) {
          return { refused: new InvalidTokenError(DEAD_CHALLENGE) };
        }
        await deleteChallenge(trx, step.challenge_hash);
        unit.record({ type: 'MFA_PASSED', userId: passkey.user_id, client, detail: { method: 'passkey' } });
        return { passed: passkey, mfa: { loginMethod: step.login_method, amr: amrOf(step.amr) } };
      });
      if ('refused' in outcome) throw outcome.refused;

      const { passed, mfa } = outcome;
      const row = await findUserById(db, passed.user_id);
      if (!row) throw new InvalidPasskeyError();
      const user = toUser(row);
      const amr = [...(mfa?.amr ?? []), amrOfPasskey(passed)];
      // A passkey with user verification is two factors in one: the second-factor step goes on.
      await passLoginSteps(loginSteps, { user, client, amr }).catch(async (error: unknown) => {
        if (error instanceof ExpectedError) {
          await events.record({ type: 'LOGIN_FAILED', userId: user.id, client, detail: { reason: error.code } });
        }
        throw error;
      });
      const method = mfa && isLoginMethod(mfa.loginMethod) ? mfa.loginMethod : 'passkey';
      return sessions.open(user, client, method, amr);
    },
  };

  /** The pending second step a challenge names: null for none given, undefined for one that is dead. */
  async function liveMfaChallenge(challenge: string) {
    checkWellFormed('challenge', challenge);
    if (!isWellFormedSecretToken(challenge)) return undefined;
    const now = new Date(clock.now());
    const pending = await findLiveChallenge(db, hashSecretToken(challenge), {
      now,
      maxFailures: CHALLENGE_MAX_FAILURES,
    });
    return pending && pending.methods.split(' ').includes('PASSKEY') ? pending : undefined;
  }
}

function passkeyName(name: string | null): string {
  const label = (name ?? '').trim();
  if (label === '') return 'Passkey';
  checkWellFormed('name', label);
  if (label.length > NAME_MAX_LENGTH) {
    throw new ValidationError('name', `A passkey's name must be at most ${NAME_MAX_LENGTH} characters.`);
  }
  return label;
}

function transportsOf(row: Pick<PasskeyRow, 'transports'>): AuthenticatorTransport[] {
  return row.transports.split(' ').filter(Boolean) as AuthenticatorTransport[];
}

/** The assertion's `userHandle`, when the authenticator sent one (it must for a discoverable login), is the owner. */
function userHandleMatches(response: Record<string, unknown>, userId: string): boolean {
  const inner = response.response as { userHandle?: unknown } | undefined;
  const handle = inner?.userHandle;
  if (handle === undefined || handle === null) return true;
  if (typeof handle !== 'string') return false;
  return Buffer.from(handle, 'base64url').toString('utf8') === userId;
}
