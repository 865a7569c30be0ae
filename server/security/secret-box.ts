import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

/** What a sealed value starts with: the format and key version, so a later key (or scheme) can be told apart. */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** HKDF's `info` for the key derived from the JWT secret when KEY_ENCRYPTION_KEY is unset. */
const DERIVED_KEY_INFO = 'tessera totp secrets';

/**
 * Seals small secrets kept in the database (TOTP secrets) with AES-256-GCM: a database dump alone does not reveal
 * them. `context` (the row's owner) is bound as associated data, so a sealed value copied to another row does not
 * open there.
 */
export interface SecretBox {
  seal(plaintext: string, context: string): string;
  /** Throws when the value was not sealed with this key and context, or was altered. */
  open(sealed: string, context: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new Error(`A secret box key is ${KEY_BYTES} bytes`);
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed, context) {
      const [version, payload] = sealed.split('.');
      if (version !== VERSION || payload === undefined) throw new Error('Not a sealed value of a known version');
      const bytes = Buffer.from(payload, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The key that seals secrets at rest: KEY_ENCRYPTION_KEY when set, else one derived (HKDF-SHA256) from the JWT
 * secret, so that changing JWT_SECRET without setting KEY_ENCRYPTION_KEY makes the sealed secrets unreadable.
 */
export function secretBoxKey(keyEncryptionKey: Buffer | undefined, jwtKey: KeyObject): Buffer {
  if (keyEncryptionKey !== undefined) return keyEncryptionKey;
  return Buffer.from(hkdfSync('sha256', jwtKey.export(), Buffer.alloc(0), DERIVED_KEY_INFO, KEY_BYTES));
}
