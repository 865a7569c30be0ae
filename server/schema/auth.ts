import { GraphQLError } from 'graphql';

import { AuthFailure } from '../auth/auth-failure.js';
import type { AuthPayload } from '../auth/token-pair.js';
import type { Context } from '../context.js';
import {
  InvalidCredentialsError,
  InvalidRefreshTokenError,
  RateLimitedError,
  UsernameTakenError,
  ValidationError,
} from '../errors.js';
import { builder } from './builder.js';
import { UserType } from './user.js';

export const AuthPayloadType = builder.objectRef<AuthPayload>('AuthPayload').implement({
  description:
    'A token pair. Send the access token as `Authorization: Bearer <accessToken>`; trade the refresh token for a ' +
    'new pair with `refreshToken` before the access token expires. Each refresh token works once.',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', { type: 'DateTime' }),
    refreshToken: t.exposeString('refreshToken'),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', { type: 'DateTime' }),
    user: t.expose('user', { type: UserType }),
  }),
});

builder.mutationFields((t) => ({
  register: t.field({
    type: AuthPayloadType,
    description: 'Creates an account and logs it in (a new session).',
    errors: { types: [ValidationError, UsernameTakenError, RateLimitedError], union: { name: 'RegisterResult' } },
    args: {
      username: t.arg.string({ required: true }),
      email: t.arg.string(),
      password: t.arg.string({ required: true }),
    },
    resolve: (_root, args, context) =>
      context.services.auth.register(args, context.client).then(authenticated(context)),
  }),
  login: t.field({
    type: AuthPayloadType,
    description: 'Opens a new session.',
    errors: { types: [InvalidCredentialsError, RateLimitedError], union: { name: 'LoginResult' } },
    args: {
      username: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: (_root, args, context) => context.services.auth.login(args, context.client).then(authenticated(context)),
  }),
  refreshToken: t.field({
    type: AuthPayloadType,
    description:
      'Trades a refresh token for a new pair; the one presented is spent. Presenting a spent one again ends its ' +
      'session, except for a repeat within a few seconds, which gets the same pair. Needs no access token.',
    errors: { types: [InvalidRefreshTokenError, RateLimitedError], union: { name: 'RefreshTokenResult' } },
    args: { refreshToken: t.arg.string({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.sessions.refresh(args.refreshToken, context.client).then(authenticated(context)),
  }),
  changePassword: t.field({
    type: AuthPayloadType,
    description:
      "Changes the viewer's password. Every other session ends, every access token minted before stops working, " +
      'and this session gets a fresh pair.',
    authScopes: { loggedIn: true },
    errors: {
      types: [InvalidCredentialsError, ValidationError, RateLimitedError],
      union: { name: 'ChangePasswordResult' },
    },
    args: {
      currentPassword: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true }),
    },
    resolve: (_root, args, context) =>
      context.services.auth
        .changePassword(context.credentials!, args, context.client)
        .then(authenticated(context), rethrowAuthFailure),
  }),
  logout: t.boolean({
    description: 'Ends the session of the access token this request was sent with, and revokes the token.',
    authScopes: { loggedIn: true },
    resolve: async (_root, _args, { credentials, services }) => {
      await services.sessions.logout(credentials!);
      return true;
    },
  }),
  logoutAll: t.int({
    description: 'Ends every session of the viewer, this one included. Returns how many ended.',
    authScopes: { loggedIn: true },
    resolve: (_root, _args, { viewer, services }) => services.sessions.logoutAll(viewer!.userId),
  }),
}));

/** A token that stopped standing mid-request is the same error as one refused up front (but mid-execution: no 401). */
function rethrowAuthFailure(error: unknown): never {
  if (error instanceof AuthFailure) {
    throw new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED', reason: error.reason } });
  }
  throw error;
}

/** Lets the payload show the user who just proved their identity their own private fields. */
function authenticated(context: Context) {
  return (payload: AuthPayload) => {
    context.authenticatedInRequest.add(payload.user.id);
    return payload;
  };
}
