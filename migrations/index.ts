import type { Migration } from 'kysely';

import * as createUsersAndRevokedTokens from './20261129060000_create_users_and_revoked_tokens.js';
import * as createSessionsAndRefreshTokens from './20261129070000_create_sessions_and_refresh_tokens.js';
import * as createRateLimits from './20261129080000_create_rate_limits.js';
import * as tombstoneDeletedUsersAndSessions from './20261201090000_tombstone_deleted_users_and_sessions.js';
import * as addUsersDisabled from './20261203090000_add_users_disabled.js';
import * as createMailOutbox from './20261210090000_create_mail_outbox.js';
import * as verifiedEmailsAndEmailTokens from './20261212090000_verified_emails_and_email_tokens.js';
import * as createAuthEvents from './20261214090000_create_auth_events.js';
import * as createMfaFactors from './20261216090000_create_mfa_factors.js';
import * as createPasskeys from './20261218090000_create_passkeys.js';
import * as createServiceCredentials from './20261220090000_create_service_credentials.js';
import * as createSigningKeys from './20261221090000_create_signing_keys.js';
import * as unloggedRateLimits from './20261222090000_unlogged_rate_limits.js';

/**
 * Every migration, by name. Listed here rather than read from the folder so that the same list works from
 * TypeScript sources, compiled output and bundles alike. Names sort in the order they run.
 */
export const migrations: Record<string, Migration> = {
  '20261129060000_create_users_and_revoked_tokens': createUsersAndRevokedTokens,
  '20261129070000_create_sessions_and_refresh_tokens': createSessionsAndRefreshTokens,
  '20261129080000_create_rate_limits': createRateLimits,
  '20261201090000_tombstone_deleted_users_and_sessions': tombstoneDeletedUsersAndSessions,
  '20261203090000_add_users_disabled': addUsersDisabled,
  '20261210090000_create_mail_outbox': createMailOutbox,
  '20261212090000_verified_emails_and_email_tokens': verifiedEmailsAndEmailTokens,
  '20261214090000_create_auth_events': createAuthEvents,
  '20261216090000_create_mfa_factors': createMfaFactors,
  '20261218090000_create_passkeys': createPasskeys,
  '20261220090000_create_service_credentials': createServiceCredentials,
  '20261221090000_create_signing_keys': createSigningKeys,
  '20261222090000_unlogged_rate_limits': unloggedRateLimits,
};
