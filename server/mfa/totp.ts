import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app does it: HMAC-SHA1, 6 digits, 30-second steps. */
const ALGORITHM = 'SHA1';
const DIGITS = 6;
const PERIOD_SECONDS = 30;
/** One step either side of now: a code typed just before its step ended, or a phone's clock a little off. */
const WINDOW = 1;
/** 160 bits, RFC 4226's recommended secret length. */
const SECRET_BYTES = 20;

/** A new secret, base32 (what an authenticator app takes when typed by hand). */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://` URI an authenticator app reads from the QR code. */
export function totpUri(secret: string, account: { issuer: string; label: string }): string {
  return totp(secret, account).toString();
}

/** Six digits: the shape of a TOTP code (spaces aside). */
export function isTotpCodeShape(code: string): boolean {
  return /^\d{6}$/.test(code);
}

/**
 * The time step (`floor(unix time / 30)`) whose code this is, within one step of `nowMs`; null when it matches none.
 * The caller refuses a step not later than the last one accepted (a replay).
 */
export function matchTotp(secret: string, code: string, nowMs: number): number | null {
  const delta = totp(secret).validate({ token: code, timestamp: nowMs, window: WINDOW });
  if (delta === null) return null;
  return TOTP.counter({ period: PERIOD_SECONDS, timestamp: nowMs }) + delta;
}

function totp(secret: string, account: { issuer?: string; label?: string } = {}): TOTP {
  return new TOTP({
    ...account,
    secret: Secret.fromBase32(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  });
}
