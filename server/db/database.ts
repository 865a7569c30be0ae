import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** The tables as Kysely sees them. Migrations in `migrations/` are the source of truth. */
export interface Database {
  users: UsersTable;
  revoked_tokens: RevokedTokensTable;
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
}

export interface RevokedTokensTable {
  jti: string;
  user_id: string;
  /** When the revoked token would have expired anyway; the row can be pruned after that. */
  expires_at: Date;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
