import type { AuthPayload } from '../auth/auth.service.js';
import type { Context } from '../context.js';
import { InvalidCredentialsError, UsernameTakenError, ValidationError } from '../errors.js';
import { builder } from './builder.js';
import { UserType } from './user.js';

export const AuthPayloadType = builder.objectRef<AuthPayload>('AuthPayload').implement({
  description: 'A successful login: the access token to send as `Authorization: Bearer <accessToken>`.',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', { type: 'DateTime' }),
    user: t.expose('user', { type: UserType }),
  }),
});

builder.mutationFields((t) => ({
  register: t.field({
    type: AuthPayloadType,
    description: 'Creates an account and logs it in.',
    errors: { types: [ValidationError, UsernameTakenError], union: { name: 'RegisterResult' } },
    args: {
      username: t.arg.string({ required: true }),
      email: t.arg.string(),
      password: t.arg.string({ required: true }),
    },
    resolve: (_root, args, context) => context.services.auth.register(args).then(authenticated(context)),
  }),
  login: t.field({
    type: AuthPayloadType,
    errors: { types: [InvalidCredentialsError], union: { name: 'LoginResult' } },
    args: {
      username: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: (_root, args, context) => context.services.auth.login(args).then(authenticated(context)),
  }),
  logout: t.boolean({
    description: 'Revokes the access token this request was sent with.',
    authScopes: { loggedIn: true },
    resolve: async (_root, _args, { credentials, services }) => {
      if (credentials) await services.auth.logout(credentials);
      return true;
    },
  }),
}));

/** Lets the payload show the user who just proved their identity their own private fields. */
function authenticated(context: Context) {
  return (payload: AuthPayload) => {
    context.authenticatedInRequest.add(payload.user.id);
    return payload;
  };
}
