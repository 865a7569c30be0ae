import type { Clock } from '../clock.js';
import { ReauthenticationRequiredError } from '../errors.js';
import type { AccessTokenClaims } from './access-tokens.js';

/** How recent a login must be for a sensitive change (REAUTH_WINDOW), by the app's clock. */
export interface StepUpSettings {
  readonly reauthWindowSeconds: number;
  readonly clock: Clock;
}

/**
 * Refuses a sensitive change (`ReauthenticationRequiredError`) unless the token's login (`auth_time`) is within
 * REAUTH_WINDOW: a stolen access token or an unattended session cannot turn a factor off or take the account. A token
 * minted before `auth_time` existed has no login time, and is refused too.
 */
export function requireRecentLogin(token: AccessTokenClaims, settings: StepUpSettings): void {
  const loggedInAt = token.authTime;
  if (loggedInAt === undefined || settings.clock.now() - loggedInAt * 1000 > settings.reauthWindowSeconds * 1000) {
    throw new ReauthenticationRequiredError();
  }
}
