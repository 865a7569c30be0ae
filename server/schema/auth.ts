import { AuthFailure } from '../auth/auth-failure.js';
import { MfaRequired } from '../auth/login/mfa-required.js';
import type { AuthPayload } from '../auth/token-pair.js';
import { authFailureError, type Context } from '../context.js';
import {
  AccountDisabledError,
  EmailNotVerifiedError,
  EmailTakenError,
  InvalidCredentialsError,
  InvalidRefreshTokenError,
  RateLimitedError,
  ReauthenticationRequiredError,
  UsernameTakenError,
  ValidationError,
} from '../errors.js';
import { builder, notLoggedInError } from './builder.js';
import { UserType } from './user.js';

/** The pair as the client receives it: in cookie mode the refresh token is in `Set-Cookie`, not here. */
type DeliveredAuthPayload = Omit<AuthPayload, 'refreshToken'> & { readonly refreshToken: string | null };

export const AuthPayloadType = builder.objectRef<DeliveredAuthPayload>('AuthPayload').implement({
  description:
    'A token pair. Send the access token as `Authorization: Bearer <accessToken>`; trade the refresh token for a ' +
    'new pair with `refreshToken` before the access token expires. Each refresh token works once.',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', { type: 'DateTime' }),
    refreshToken: t.exposeString('refreshToken', {
      nullable: true,
      description:
        'Null when the server runs in cookie mode (REFRESH_TOKEN_COOKIE=true): the token is then in an HttpOnly ' +
        '`__Host-` cookie that no script can read, and `refreshToken` takes it from there.',
    }),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', { type: 'DateTime' }),
    user: t.expose('user', { type: UserType }),
  }),
});

/** What `deleteAccount` answers once the account is gone. */
interface DeletedAccount {
  readonly userId: string;
}

export const AccountDeletedType = builder.objectRef<DeletedAccount>('AccountDeleted').implement({
  description:
    'The account is gone, with its sessions and tokens: every server refuses its access tokens, and its username is ' +
    'free again.',
  fields: (t) => ({ userId: t.exposeID('userId') }),
});

builder.mutationFields((t) => ({
  register: t.field({
    type: AuthPayloadType,
    description:
      'Creates an account and logs it in (a new session). With an email, a verification mail is sent to it. When the ' +
      'server requires verified addresses (REQUIRE_VERIFIED_EMAIL), the email is required and the answer is ' +
      '`EmailNotVerifiedError`: the account exists, and logs in once the address is confirmed.',
    errors: {
      types: [ValidationError, UsernameTakenError, EmailTakenError, EmailNotVerifiedError, RateLimitedError],
      union: { name: 'RegisterResult' },
    },
    args: {
      username: t.arg.string({ required: true }),
      email: t.arg.string(),
      password: t.arg.string({ required: true }),
    },
    resolve: (_root, args, context) => context.services.auth.register(args, context.client).then(deliver(context)),
  }),
  login: t.field({
    type: AuthPayloadType,
    description:
      'Opens a new session. `AccountDisabledError` and `EmailNotVerifiedError` (with REQUIRE_VERIFIED_EMAIL) answer ' +
      'only the right password; a wrong one is `InvalidCredentialsError`, as for anyone. With a second factor on, ' +
      'the right password answers `MfaRequired` (no token yet): send a code with `verifyMfa`.',
    errors: {
      types: [
        MfaRequired,
        InvalidCredentialsError,
        AccountDisabledError,
        EmailNotVerifiedError,
        ValidationError,
        RateLimitedError,
      ],
      union: { name: 'LoginResult' },
    },
    args: {
      username: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: (_root, args, context) => context.services.auth.login(args, context.client).then(deliver(context)),
  }),
  refreshToken: t.field({
    type: AuthPayloadType,
    description:
      'Trades a refresh token for a new pair; the one presented is spent. Presenting a spent one again ends its ' +
      'session, except for a repeat within a few seconds, which gets the same pair. Needs no access token.',
    errors: { types: [InvalidRefreshTokenError, RateLimitedError], union: { name: 'RefreshTokenResult' } },
    args: {
      refreshToken: t.arg.string({
        description: 'The refresh token. Leave it out in cookie mode: the `__Host-` cookie is read instead.',
      }),
    },
    resolve: async (_root, args, context) => {
      const cookie = args.refreshToken == null ? context.refreshTokenCookie : null;
      const presented = args.refreshToken ?? (await cookie?.read()) ?? null;
      // Not a guess at anything, so it costs no rate-limit point: a page load with no session asks this.
      if (presented === null) throw new InvalidRefreshTokenError('No refresh token was sent. Log in.');
      return context.services.sessions.refresh(presented, context.client).then(deliver(context), async (error) => {
        // A cookie the server will never accept again is dropped, so the browser stops sending it.
        if (error instanceof InvalidRefreshTokenError) await cookie?.clear();
        throw error;
      });
    },
  }),
  changePassword: t.field({
    type: AuthPayloadType,
    description:
      "Changes the viewer's password. Every other session ends, every access token minted before stops working, " +
      'and this session gets a fresh pair. Needs a login within REAUTH_WINDOW.',
    authScopes: { loggedIn: true },
    errors: {
      types: [InvalidCredentialsError, ReauthenticationRequiredError, ValidationError, RateLimitedError],
      union: { name: 'ChangePasswordResult' },
    },
    args: {
      currentPassword: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true }),
    },
    resolve: (_root, args, context) =>
      context.services.auth
        .changePassword(context.credentials!, args, context.client)
        .then(deliver(context), rethrowAuthFailure),
  }),
  deleteAccount: t.field({
    type: AccountDeletedType,
    description:
      "Deletes the viewer's account, with every session and token of it, once the password is confirmed. Answered " +
      'once every server refuses its access tokens; the username is free again. In cookie mode it also clears the ' +
      'refresh cookie. Needs a login within REAUTH_WINDOW.',
    authScopes: { loggedIn: true },
    errors: {
      types: [InvalidCredentialsError, ReauthenticationRequiredError, ValidationError, RateLimitedError],
      union: { name: 'DeleteAccountResult' },
    },
    args: { password: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const userId = await context.services.auth
        .deleteAccount(context.credentials!, args, context.client)
        .catch(rethrowAuthFailure);
      await context.refreshTokenCookie?.clear();
      return { userId };
    },
  }),
  logout: t.boolean({
    description:
      'Ends the session of the access token this request was sent with, and revokes the token. In cookie mode it ' +
      "also ends the refresh cookie's session and clears the cookie, and needs no access token when the cookie is sent.",
    resolve: async (_root, _args, { credentials, services, refreshTokenCookie, client }) => {
      const cookieToken = (await refreshTokenCookie?.read()) ?? null;
      if (!credentials && cookieToken === null) throw notLoggedInError();
      if (credentials) await services.sessions.logout(credentials, client);
      if (cookieToken !== null) await services.sessions.logoutByRefreshToken(cookieToken, client);
      await refreshTokenCookie?.clear();
      return true;
    },
  }),
  logoutAll: t.int({
    description: 'Ends every session of the viewer, this one included. Returns how many ended.',
    authScopes: { loggedIn: true },
    resolve: async (_root, _args, { viewer, services, refreshTokenCookie, client }) => {
      const ended = await services.sessions.logoutAll(viewer!.userId, client);
      await refreshTokenCookie?.clear();
      return ended;
    },
  }),
}));

/** A token that stopped standing mid-request is the same error as one refused up front (but mid-execution: no 401). */
export function rethrowAuthFailure(error: unknown): never {
  throw error instanceof AuthFailure ? authFailureError(error, { http: false }) : error;
}

/**
 * Hands a new pair to the client: in cookie mode the refresh token goes into the cookie and out of the body. Lets
 * the payload show the user who just proved their identity their own private fields.
 */
export function deliver(context: Context) {
  return async (payload: AuthPayload): Promise<DeliveredAuthPayload> => {
    context.authenticatedInRequest.add(payload.user.id);
    const cookie = context.refreshTokenCookie;
    if (!cookie) return payload;
    await cookie.set(payload.refreshToken, payload.refreshTokenExpiresAt);
    return { ...payload, refreshToken: null };
  };
}
