import type { Kysely } from 'kysely';

import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { insertChallenge } from '../db/mfa.repository.js';
import { generateSecretToken, hashSecretToken } from '../auth/secret-tokens.js';
import type { LoginCandidate } from '../auth/login/login-steps.js';
import { MfaRequired, type MfaMethod } from '../auth/login/mfa-required.js';
import type { LoginMethod } from '../auth/session.service.js';

/** How long the second step of a login waits for a code. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Wrong codes a challenge takes before it is dead (the login starts over, with the password). */
export const CHALLENGE_MAX_FAILURES = 5;

/** Opens the second step of a login that a step asked more of: what the client gets instead of a pair. */
export type SecondStepIssuer = (
  candidate: LoginCandidate,
  loginMethod: LoginMethod,
  methods: readonly MfaMethod[],
) => Promise<MfaRequired>;

/** Stores a challenge (its hash, 256 random bits) for `verifyMfa` and answers `MfaRequired` with it. */
export function mfaChallengeIssuer(db: Kysely<Database>, clock: Clock): SecondStepIssuer {
  return async ({ user, client, amr }, loginMethod, methods) => {
    const challenge = generateSecretToken();
    await insertChallenge(db, {
      challenge_hash: hashSecretToken(challenge),
      user_id: user.id,
      methods: methods.join(' '),
      login_method: loginMethod,
      amr: amr.join(' '),
      ip: client.ip,
      user_agent: client.userAgent,
      expires_at: new Date(clock.now() + CHALLENGE_TTL_MS),
    });
    return new MfaRequired(challenge, methods);
  };
}
