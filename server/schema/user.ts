import { GraphQLError } from 'graphql';

import type { User } from '../users/user.js';
import { builder } from './builder.js';

export const Role = builder.enumType('Role', { values: ['USER', 'ADMIN'] as const });

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
    role: t.expose('role', { type: Role }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastLoginAt: t.expose('lastLoginAt', { type: 'DateTime', nullable: true }),
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
}));

builder.mutationFields((t) => ({
  setUserRole: t.field({
    type: UserType,
    description:
      "Sets a user's role. Admins only. The user's access tokens minted before become TOKEN_STALE at once, so a " +
      'demoted admin loses admin rights on their next request; refreshing gives a token with the new role.',
    authScopes: { admin: true },
    args: { userId: t.arg.id({ required: true }), role: t.arg({ type: Role, required: true }) },
    resolve: async (_root, { userId, role }, { services }) => {
      const user = await services.users.setRole({ id: String(userId) }, role);
      if (!user) throw new GraphQLError('No user has this id.', { extensions: { code: 'BAD_REQUEST' } });
      return user;
    },
  }),
}));
