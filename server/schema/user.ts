import { resolveCursorConnection, type ResolveCursorConnectionArgs } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';

import { ValidationError } from '../errors.js';
import type { User } from '../users/user.js';
import { decodeUserCursor, userCursor } from '../users/user-cursor.js';
import { checkWellFormed } from '../users/user-input.js';
import { builder } from './builder.js';

export const Role = builder.enumType('Role', { values: ['USER', 'ADMIN'] as const });

/** A search longer than any username or email could match nothing. */
const SEARCH_MAX_LENGTH = 254;

export const UserType = builder.objectRef<User>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    email: t.exposeString('email', {
      nullable: true,
      description: 'Visible to the user themself and to admins; null for anyone else.',
      authScopes: (user) => ({ $any: { self: user.id, admin: true } }),
      unauthorizedResolver: () => null,
    }),
    emailVerified: t.exposeBoolean('emailVerified', {
      description:
        'The owner of `email` proved it (a verification link, or a password reset mailed to it). Visible to the user ' +
        'themself and to admins; FORBIDDEN to anyone else.',
      authScopes: (user) => ({ $any: { self: user.id, admin: true } }),
    }),
    role: t.expose('role', { type: Role }),
    disabled: t.exposeBoolean('disabled', {
      description:
        'Disabled by an admin: the user cannot log in (`AccountDisabledError`) or refresh. Visible to the user ' +
        'themself and to admins; FORBIDDEN to anyone else.',
      authScopes: (user) => ({ $any: { self: user.id, admin: true } }),
    }),
    mfaEnabled: t.boolean({
      description:
        'An authenticator app is on: `login` asks for a code (`MfaRequired`). Visible to the user themself and to ' +
        'admins; FORBIDDEN to anyone else.',
      authScopes: (user) => ({ $any: { self: user.id, admin: true } }),
      resolve: (user, _args, { services }) => services.totp.isEnabled(user.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastLoginAt: t.field({
      type: 'DateTime',
      nullable: true,
      // A user from the cache has none (every login changes it): read then, and only when asked.
      resolve: (user, _args, { services }) =>
        user.lastLoginAt !== undefined ? user.lastLoginAt : services.users.lastLoginAt(user.id),
    }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: UserType,
    nullable: true,
    description: 'The user the access token belongs to; null when no token is sent.',
    resolve: (_root, _args, { viewer, services }) => (viewer ? services.users.findById(viewer.userId) : null),
  }),
  user: t.field({
    type: UserType,
    nullable: true,
    description: 'Any user, by id. Admins only.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services }) => services.users.findById(String(id)),
  }),
  users: t.connection(
    {
      type: UserType,
      description:
        'Every user, by username (without regard to case), a page at a time (20 unless `first` or `last` says, at ' +
        'most 100). Admins only.',
      authScopes: { admin: true },
      args: {
        search: t.arg.string({
          description:
            'Only users whose username or email contains this, without regard to case. `%` and `_` match ' +
            'themselves.',
        }),
      },
      resolve: (_root, args, { services }) => {
        const search = checkSearch(args.search);
        if ((args.first ?? 0) < 0 || (args.last ?? 0) < 0) throw badRequest('first and last must not be negative.');
        return resolveCursorConnection(
          { args, toCursor: userCursor },
          ({ after, before, limit, inverted }: ResolveCursorConnectionArgs) =>
            services.users.list({
              search,
              after: after === undefined ? undefined : position(after),
              before: before === undefined ? undefined : position(before),
              limit,
              descending: inverted,
            }),
        );
      },
    },
    { name: 'UserConnection' },
    { name: 'UserEdge' },
  ),
}));

builder.mutationFields((t) => ({
  setUserRole: t.field({
    type: UserType,
    description:
      "Sets a user's role. Admins only. The user's access tokens minted before become TOKEN_STALE at once, so a " +
      'demoted admin loses admin rights on their next request; refreshing gives a token with the new role.',
    authScopes: { admin: true },
    args: { userId: t.arg.id({ required: true }), role: t.arg({ type: Role, required: true }) },
    resolve: async (_root, { userId, role }, { viewer, services, client }) => {
      const user = await services.users.setRole({ id: String(userId) }, role, { userId: viewer!.userId, client });
      if (!user) throw noSuchUser();
      return user;
    },
  }),
  setUserDisabled: t.field({
    type: UserType,
    description:
      'Disables a user, or enables them again. Admins only, and not on themself. Disabling ends every session of ' +
      'the user: every process refuses their access tokens (TOKEN_REVOKED) before this answers, their refresh tokens ' +
      'are dead, and `login` with the right password answers `AccountDisabledError`. Enabling lets them log in ' +
      'again; no session comes back.',
    authScopes: { admin: true },
    args: { userId: t.arg.id({ required: true }), disabled: t.arg.boolean({ required: true }) },
    resolve: async (_root, { userId, disabled }, { viewer, services, client }) => {
      // An admin who locked themself out would need the operator command to get back in.
      if (disabled && String(userId) === viewer!.userId) throw badRequest('You cannot disable your own account.');
      const user = await services.users.setDisabled({ id: String(userId) }, disabled, {
        userId: viewer!.userId,
        client,
      });
      if (!user) throw noSuchUser();
      return user;
    },
  }),
  deleteUser: t.boolean({
    description:
      'Deletes a user with their sessions and tokens. Admins only, and not themself (`deleteAccount` asks for the ' +
      'password). Every process refuses their access tokens (TOKEN_REVOKED) before this answers, and the username ' +
      'is free again. False when no user has this id.',
    authScopes: { admin: true },
    args: { userId: t.arg.id({ required: true }) },
    resolve: async (_root, { userId }, { viewer, services, client }) => {
      if (String(userId) === viewer!.userId) {
        throw badRequest('Delete your own account with deleteAccount, which asks for your password.');
      }
      return services.users.delete({ id: String(userId) }, { userId: viewer!.userId, client });
    },
  }),
}));

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });
}

function noSuchUser(): GraphQLError {
  return badRequest('No user has this id.');
}

/** The search text to match, or undefined for none; text no username or email can hold is BAD_REQUEST. */
function checkSearch(search: string | null | undefined): string | undefined {
  const text = search?.trim() ?? '';
  if (text === '') return undefined;
  if (text.length > SEARCH_MAX_LENGTH) throw badRequest(`search must be at most ${SEARCH_MAX_LENGTH} characters.`);
  try {
    checkWellFormed('search', text);
  } catch (error) {
    if (error instanceof ValidationError) throw badRequest(error.message);
    throw error;
  }
  return text;
}

function position(cursor: string): string {
  const decoded = decodeUserCursor(cursor);
  if (decoded === undefined) throw badRequest('The cursor is not one this server gave.');
  return decoded;
}
