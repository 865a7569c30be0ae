import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** The tables as Kysely sees them. Migrations in `migrations/` are the source of truth. */
export interface Database {
  users: UsersTable;
  revoked_tokens: RevokedTokensTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  tombstones: TombstonesTable;
  mail_outbox: MailOutboxTable;
  email_tokens: EmailTokensTable;
  auth_events: AuthEventsTable;
  mfa_factors: MfaFactorsTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  mfa_challenges: MfaChallengesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebAuthnChallengesTable;
  service_credentials: ServiceCredentialsTable;
  signing_keys: SigningKeysTable;
}

export type Role = 'USER' | 'ADMIN';

export interface UsersTable {
  id: string;
  username: string;
  email: string | null;
  password_hash: string;
  role: ColumnType<Role, Role | undefined, Role>;
  /** Raised to invalidate every access token minted before (role change, password change, logout everywhere). */
  token_version: ColumnType<number, number | undefined, number>;
  created_at: Generated<Date>;
  last_login_at: Date | null;
  /** Set by an admin: no login, no refresh. Disabling also ends every session (see `UserService.setDisabled`). */
  disabled: Generated<boolean>;
  /** Since when it is disabled; null while it is not. */
  disabled_at: Date | null;
  /** The owner of `email` proved it (a verification link, or a password reset mailed to it). */
  email_verified: Generated<boolean>;
}

export type EmailTokenPurpose = 'verify_email' | 'reset_password';

/** A single-use secret sent by mail; only its hash is kept. Deleted when used or voided by a newer one. */
export interface EmailTokensTable {
  token_hash: string;
  user_id: string;
  purpose: EmailTokenPurpose;
  /** The address it was sent to: for a change of address, the new one. */
  email: string;
  created_at: Generated<Date>;
  expires_at: Date;
}

export interface RevokedTokensTable {
  jti: string;
  user_id: string;
  /** When the revoked token would have expired anyway; the row can be pruned after that. */
  expires_at: Date;
}

/** Why a session ended. */
export type SessionRevokedReason =
  | 'LOGOUT'
  | 'LOGOUT_ALL'
  | 'REVOKED_BY_USER'
  | 'REFRESH_TOKEN_REUSE'
  | 'PASSWORD_CHANGED'
  | 'PASSWORD_RESET'
  | 'ACCOUNT_DISABLED'
  | 'MFA_RESET';

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: Generated<Date>;
  last_used_at: Generated<Date>;
  /** When the session ends if its refresh token goes unused (the current refresh token's expiry). */
  expires_at: Date;
  /** SESSION_MAX_AGE after creation: no refresh moves it. */
  absolute_expires_at: Date;
  /** The latest expiry of an access token minted for this session; a revoked session is kept until then. */
  access_expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: SessionRevokedReason | null;
  user_agent: string | null;
  ip: string | null;
  /** How the user proved who they are, as RFC 8176 values separated by spaces (`pwd otp`): every token says it. */
  amr: ColumnType<string, string | undefined, string>;
  /** When the user proved it (the login, not a refresh): step-up checks it against REAUTH_WINDOW. */
  auth_time: ColumnType<Date, Date | undefined, Date>;
}

/**
 * A deleted session or user, written by triggers on delete however the row goes (API, CLI, cascade, by hand): what
 * refuses its access tokens once the row that would have is gone.
 */
export interface TombstonesTable {
  kind: 'session' | 'user';
  id: string;
  /** After this no access token it refuses can be live; it can be pruned then. */
  expires_at: Date;
}

/** The claims of an access token, kept so that the same token can be signed again (see refresh_tokens). */
export interface AccessTokenRecord {
  sub: string;
  sid: string;
  jti: string;
  role: Role;
  ver: number;
  iat: number;
  exp: number;
  /** RFC 8176 methods of the login (absent from tokens minted before second factors existed). */
  amr?: string[];
  /** When the user logged in, in seconds since the epoch (absent from tokens minted before). */
  auth_time?: number;
}

export interface RefreshTokensTable {
  /** SHA-256 of the token; the token itself is never stored. */
  token_hash: string;
  session_id: string;
  issued_at: Generated<Date>;
  expires_at: Date;
  spent_at: Date | null;
  successor_hash: string | null;
  /** Written as JSON text; read back parsed. */
  access_token_claims: ColumnType<AccessTokenRecord, string, string>;
}

/** `kept`: the development outbox (no SMTP_URL outside production) stored it to be shown, never sent. */
export type MailStatus = 'pending' | 'sent' | 'kept' | 'failed';

/** Mail waiting for, or past, delivery by the background sender (see `server/mail/mail-sender.ts`). */
export interface MailOutboxTable {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: ColumnType<MailStatus, MailStatus | undefined, MailStatus>;
  created_at: Generated<Date>;
  attempts: Generated<number>;
  /** Null: due at once (never tried). */
  next_attempt_at: Date | null;
  /** A sender's lease while it sends; past it, another sender may take the mail. */
  locked_until: Date | null;
  sent_at: Date | null;
  /** What the SMTP server or the connection said on the last failure; never a credential. */
  last_error: string | null;
}

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type RefreshTokenRow = Selectable<RefreshTokensTable>;
export type NewUserRow = Insertable<UsersTable>;

/** The audit trail (server/events/). No foreign keys: it outlives the users and sessions it tells of. */
export interface AuthEventsTable {
  id: string;
  occurred_at: Date;
  type: string;
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  /** JSON (`AuthEventDetail`); written as text, read back as an object. */
  detail: ColumnType<Record<string, unknown>, string, string>;
}

/** A second factor: today a TOTP authenticator. Unconfirmed: an enrolment in progress. */
export interface MfaFactorsTable {
  id: string;
  user_id: string;
  kind: 'totp';
  /** The TOTP secret sealed by `security/secret-box.ts` (AES-256-GCM); never stored in clear. */
  secret_sealed: string;
  created_at: Generated<Date>;
  confirmed_at: Date | null;
  /** The latest TOTP time step a code was accepted for: a code of this step or an earlier one is a replay. */
  last_used_step: number | null;
}

/** A recovery code's SHA-256; the row is deleted when the code is used. */
export interface MfaRecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: Generated<Date>;
}

/** The second step of a login that is waiting for a code. Single use; dead after too many wrong codes. */
export interface MfaChallengesTable {
  /** SHA-256 of the challenge handed to the client. */
  challenge_hash: string;
  user_id: string;
  /** What it accepts, separated by spaces (`TOTP RECOVERY_CODE`). */
  methods: string;
  /** How the login began (`password`, `password-reset`). */
  login_method: string;
  /** What the first step proved, RFC 8176 values separated by spaces. */
  amr: string;
  ip: string | null;
  user_agent: string | null;
  failed_attempts: Generated<number>;
  created_at: Generated<Date>;
  expires_at: Date;
}

export type MfaFactorRow = Selectable<MfaFactorsTable>;
export type MfaChallengeRow = Selectable<MfaChallengesTable>;

export interface PasskeysTable {
  /** The credential id, base64url, as the authenticator chose it. */
  id: string;
  user_id: string;
  /** What the user calls it ("MacBook", "YubiKey"). */
  name: string;
  /** COSE-encoded public key. */
  public_key: Uint8Array;
  /** The signature counter last seen; bigint comes back from pg as a string. */
  counter: ColumnType<string, number | undefined, number>;
  /** Transport hints, separated by spaces (`internal hybrid`). */
  transports: Generated<string>;
  /** `singleDevice` (bound to hardware: amr `hwk`) or `multiDevice` (synced: amr `swk`). */
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  aaguid: string;
  created_at: Generated<Date>;
  last_used_at: Date | null;
}

export interface WebAuthnChallengesTable {
  /** The base64url challenge the ceremony signs (public: it travels to the browser). */
  challenge: string;
  purpose: 'registration' | 'login';
  /** Registration: the user registering. Second step of a login: the user logging in. Else null (any passkey). */
  user_id: string | null;
  /** When it answers a login's second step: that challenge's hash. */
  mfa_challenge_hash: string | null;
  created_at: Generated<Date>;
  expires_at: Date;
}

export type PasskeyRow = Selectable<PasskeysTable>;
export type WebAuthnChallengeRow = Selectable<WebAuthnChallengesTable>;

export interface SigningKeysTable {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  algorithm: 'ES256' | 'RS256';
  /** The public key as a JWK (no private members). */
  public_jwk: ColumnType<Record<string, string>, string, string>;
  /** The private key (PKCS#8 PEM), sealed by the secret box under KEY_ENCRYPTION_KEY. */
  private_key_sealed: string;
  created_at: Generated<Date>;
  /** When it starts signing. */
  activates_at: Date;
}

export type SigningKeyRow = Selectable<SigningKeysTable>;

/** What another service presents (HTTP Basic) to introspect tokens and follow the revocation feed. */
export interface ServiceCredentialsTable {
  /** `svc_` and 16 hex digits: public, like a username. */
  id: string;
  /** What the operator calls it (`orders-api`); unique, kept after revocation. */
  name: string;
  /** SHA-256 (hex) of the secret; the secret itself is shown once and never stored. */
  secret_hash: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
}

export type ServiceCredentialRow = Selectable<ServiceCredentialsTable>;
