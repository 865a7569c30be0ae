import type { ClientInfo } from '../auth/session.js';

/** Everything the audit trail, the metrics and the logs learn of: one list, declared once. */
export const AUTH_EVENT_TYPES = [
  'REGISTERED',
  'LOGIN_SUCCEEDED',
  'LOGIN_FAILED',
  'MFA_PASSED',
  'MFA_FAILED',
  'MFA_ENABLED',
  'MFA_DISABLED',
  'MFA_RESET',
  'RECOVERY_CODES_REGENERATED',
  'PASSKEY_ADDED',
  'PASSKEY_REMOVED',
  'PASSKEY_REFUSED',
  'TOKEN_REFRESHED',
  'REFRESH_TOKEN_REUSED',
  'LOGGED_OUT',
  'LOGGED_OUT_EVERYWHERE',
  'SESSION_REVOKED',
  'PASSWORD_CHANGED',
  'PASSWORD_RESET_REQUESTED',
  'PASSWORD_RESET',
  'EMAIL_VERIFICATION_REQUESTED',
  'EMAIL_VERIFIED',
  'EMAIL_CHANGE_REQUESTED',
  'ROLE_CHANGED',
  'ACCOUNT_DISABLED',
  'ACCOUNT_ENABLED',
  'ACCOUNT_DELETED',
  'RATE_LIMITED',
] as const;
export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

/**
 * Facts about an event, never a secret: no token, password, hash or code ever goes here (the constructors below
 * take only what is safe). Names and addresses are personal data, removed when the user is deleted.
 */
export interface AuthEventDetail {
  /** Why: a login failure's reason, a revocation's reason, the refusing limit. */
  readonly reason?: string;
  /** What was typed as the username of a failed login (no account may have it). */
  readonly username?: string;
  readonly email?: string;
  readonly newEmail?: string;
  readonly role?: string;
  /** Who did it, when not the user themself (an admin, or the operator's CLI). */
  readonly actorId?: string;
  /** How a change was made when no user made it: `cli` (the operator's commands). */
  readonly via?: string;
  /** How a login proved who it is: `password`, `registration`, `password-reset`, `passkey`; a second factor:
   * `totp`, `recovery-code`, `passkey`. */
  readonly method?: string;
  readonly count?: number;
}

/** Who made a change to someone's account: an admin through the API, or (none) the operator's CLI. */
export interface Actor {
  readonly userId: string;
  readonly client: ClientInfo;
}

/** An event's "who did it": the admin and where from, or the CLI. */
export function actorOf(by: Actor | undefined): Pick<AuthEvent, 'client' | 'detail'> {
  return by ? { client: by.client, detail: { actorId: by.userId } } : { detail: { via: 'cli' } };
}

export interface AuthEvent {
  readonly type: AuthEventType;
  readonly userId?: string | null;
  readonly sessionId?: string | null;
  /** Where the request came from; none for the CLI. */
  readonly client?: ClientInfo | null;
  readonly detail?: AuthEventDetail;
}

/** An event as stored and published: with its id and time. */
export interface RecordedAuthEvent extends AuthEvent {
  readonly id: string;
  readonly occurredAt: Date;
}
