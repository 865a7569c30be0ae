import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import type { Kysely } from 'kysely';

import type { Database, ServiceCredentialRow } from '../db/database.js';
import {
  findServiceCredential,
  findServiceCredentialByIdOrName,
  insertServiceCredential,
  listServiceCredentials,
  revokeServiceCredential,
} from '../db/service-credential.repository.js';
import { ValidationError } from '../errors.js';

/** Who a request with valid service credentials comes from. */
export interface ServiceIdentity {
  readonly id: string;
  readonly name: string;
}

/** A credential as the operator sees it: never its hash. */
export interface ServiceCredential extends ServiceIdentity {
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** A credential just made: the only time its secret exists outside the service that holds it. */
export interface NewServiceCredential extends ServiceIdentity {
  readonly secret: string;
}

export type RevokeOutcome =
  | { readonly outcome: 'revoked'; readonly credential: ServiceCredential }
  | { readonly outcome: 'already-revoked'; readonly credential: ServiceCredential }
  | { readonly outcome: 'unknown' };

export interface ServiceAuthenticator {
  /** The service a request's `Authorization: Basic` names and proves, or null (absent, malformed, wrong, revoked). */
  authenticate(request: Request): Promise<ServiceIdentity | null>;
}

const ID_PATTERN = /^svc_[0-9a-f]{16}$/;
/** Plain enough to print and type; never `svc_…`, so that `service revoke <name-or-id>` cannot be ambiguous. */
const NAME_PATTERN = /^(?!svc_)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/i;
/** Far above `Basic ` and the base64 of an id and a secret: a longer header is refused unread. */
const MAX_AUTHORIZATION_LENGTH = 256;
/** Compared against when the id is unknown, so an unknown id costs the same as a wrong secret. */
const NO_SECRET_HASH = Buffer.alloc(32);

const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/** What the operator's command does with service credentials. */
export function createServiceCredentialService(db: Kysely<Database>) {
  return {
    /** Makes a credential; throws `ValidationError` for a name that is malformed or taken. */
    async create(name: string): Promise<NewServiceCredential> {
      if (!NAME_PATTERN.test(name)) {
        throw new ValidationError(
          'name',
          'A service name is 1 to 64 letters, digits and . _ - (starting with a letter or digit, not svc_).',
        );
      }
      const id = `svc_${randomBytes(8).toString('hex')}`;
      // 256 random bits: a fast hash is safe to store, and guessing is hopeless even without the rate limit.
      const secret = randomBytes(32).toString('base64url');
      const stored = await insertServiceCredential(db, { id, name, secret_hash: hashSecret(secret).toString('hex') });
      if (!stored) throw new ValidationError('name', `A service credential named ${name} already exists.`);
      return { id, name, secret };
    },

    async list(): Promise<ServiceCredential[]> {
      return (await listServiceCredentials(db)).map(toServiceCredential);
    },

    /** Revokes by id or name: its next request is refused (nothing caches a credential). */
    async revoke(idOrName: string, at = new Date()): Promise<RevokeOutcome> {
      const found = await findServiceCredentialByIdOrName(db, idOrName);
      if (!found) return { outcome: 'unknown' };
      const revoked = await revokeServiceCredential(db, found.id, at);
      return revoked
        ? { outcome: 'revoked', credential: toServiceCredential(revoked) }
        : { outcome: 'already-revoked', credential: toServiceCredential(found) };
    },
  };
}

export type ServiceCredentialService = ReturnType<typeof createServiceCredentialService>;

/**
 * Reads HTTP Basic (RFC 7617) credentials and checks them against the table on every request, so a revocation
 * takes effect on the next one. The secret's hash is compared in constant time.
 */
export function createServiceAuthenticator(db: Kysely<Database>): ServiceAuthenticator {
  return {
    async authenticate(request) {
      const presented = basicCredentials(request.headers.get('authorization'));
      if (!presented) return null;
      const row = ID_PATTERN.test(presented.id) ? await findServiceCredential(db, presented.id) : undefined;
      const expected = row ? Buffer.from(row.secret_hash, 'hex') : NO_SECRET_HASH;
      const matches = timingSafeEqual(hashSecret(presented.secret), expected);
      if (!row || !matches || row.revoked_at !== null) return null;
      return { id: row.id, name: row.name };
    },
  };
}

/** `Basic base64(id:secret)`, split at the first colon (ids have none); null for anything else. */
function basicCredentials(header: string | null): { id: string; secret: string } | null {
  if (header === null || header.length > MAX_AUTHORIZATION_LENGTH) return null;
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return null;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function toServiceCredential(row: ServiceCredentialRow): ServiceCredential {
  return { id: row.id, name: row.name, createdAt: row.created_at, revokedAt: row.revoked_at };
}
