import type { Kysely } from 'kysely';

import type { Clock } from '../clock.js';
import type { Database, MfaChallengeRow } from '../db/database.js';
import { deleteChallenge, findLiveChallenge, recordChallengeFailure } from '../db/mfa.repository.js';
import { findUserById } from '../db/user.repository.js';
import { ExpectedError, InvalidMfaCodeError, InvalidTokenError } from '../errors.js';
import type { AuthEventLog } from '../events/auth-event-log.js';
import { inUnitOfWork } from '../events/unit-of-work.js';
import { passLoginSteps, type LoginStep } from '../auth/login/login-steps.js';
import type { RevocationSink } from '../auth/revoking.js';
import { hashSecretToken, isWellFormedSecretToken } from '../auth/secret-tokens.js';
import type { ClientInfo } from '../auth/session.js';
import { isLoginMethod, type SessionService } from '../auth/session.service.js';
import { amrOf, type AuthPayload } from '../auth/token-pair.js';
import type { RateLimits } from '../security/rate-limits.js';
import type { SecretBox } from '../security/secret-box.js';
import { checkWellFormed } from '../users/user-input.js';
import { toUser } from '../users/user.js';
import { CHALLENGE_MAX_FAILURES } from './mfa-challenges.js';
import { useSecondFactorCode, type SecondFactorCodeKind } from './second-factor-codes.js';

export interface MfaLoginService {
  /**
   * The second step of a login: a code (TOTP or recovery code) for the challenge `MfaRequired` gave. Opens the
   * session (`amr` adds `otp`). `InvalidMfaCodeError` for a wrong code (the challenge dies after five);
   * `InvalidTokenError` for a challenge that is unknown, expired, used or dead.
   */
  verify(challenge: string, code: string, client: ClientInfo): Promise<AuthPayload>;
}

const DEAD_CHALLENGE = 'This sign-in has expired or was already used. Log in again.';

type Outcome = { passed: MfaChallengeRow; kind: SecondFactorCodeKind } | { refused: 'wrong' | 'dead' };

export function createMfaLoginService(deps: {
  db: Kysely<Database>;
  revocations: RevocationSink;
  events: AuthEventLog;
  rateLimits: RateLimits;
  sessions: SessionService;
  loginSteps: readonly LoginStep[];
  secretBox: SecretBox;
  clock: Clock;
}): MfaLoginService {
  const { db, events, rateLimits, sessions, loginSteps, secretBox, clock } = deps;
  const changes = deps;

  return {
    async verify(challenge, code, client) {
      checkWellFormed('challenge', challenge);
      checkWellFormed('code', code);
      const now = new Date(clock.now());
      const hash = isWellFormedSecretToken(challenge) ? hashSecretToken(challenge) : undefined;
      const pending = hash && (await findLiveChallenge(db, hash, { now, maxFailures: CHALLENGE_MAX_FAILURES }));
      // Counted per account like logins (the challenge names it), and per address.
      await rateLimits.attempt('verifyMfa', { account: pending ? pending.user_id : undefined, address: client.ip });
      if (!hash || !pending) throw new InvalidTokenError(DEAD_CHALLENGE);

      const outcome = await inUnitOfWork(changes, async (trx, unit): Promise<Outcome> => {
        // Locked: of two codes sent at once for one challenge, the second sees what the first did.
        const locked = await findLiveChallenge(trx, hash, { now, maxFailures: CHALLENGE_MAX_FAILURES, lock: true });
        if (!locked) return { refused: 'dead' };
        const kind = await useSecondFactorCode(trx, secretBox, locked.user_id, code, now.getTime());
        if (kind === undefined) {
          const failures = await recordChallengeFailure(trx, hash);
          const reason = failures >= CHALLENGE_MAX_FAILURES ? 'MFA_CHALLENGE_EXHAUSTED' : 'INVALID_MFA_CODE';
          unit.record({ type: 'MFA_FAILED', userId: locked.user_id, client, detail: { reason } });
          return { refused: 'wrong' };
        }
        // Single use: the login goes on below, and this challenge can never open another session.
        await deleteChallenge(trx, hash);
        unit.record({ type: 'MFA_PASSED', userId: locked.user_id, client, detail: { method: kind } });
        return { passed: locked, kind };
      });
      if ('refused' in outcome) {
        throw outcome.refused === 'wrong' ? new InvalidMfaCodeError() : new InvalidTokenError(DEAD_CHALLENGE);
      }

      const { passed } = outcome;
      const row = await findUserById(db, passed.user_id);
      if (!row) throw new InvalidTokenError(DEAD_CHALLENGE);
      const user = toUser(row);
      const amr = [...amrOf(passed.amr), 'otp'];
      // The account may have changed in the minutes since the password: disabled, say.
      await passLoginSteps(loginSteps, { user, client, amr }).catch(async (error: unknown) => {
        if (error instanceof ExpectedError) {
          await events.record({ type: 'LOGIN_FAILED', userId: user.id, client, detail: { reason: error.code } });
        }
        throw error;
      });
      const method = isLoginMethod(passed.login_method) ? passed.login_method : 'password';
      return sessions.open(user, client, method, amr);
    },
  };
}
