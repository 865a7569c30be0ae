import { MFA_METHODS, MfaRequired } from '../auth/login/mfa-required.js';
import {
  AccountDisabledError,
  EmailNotVerifiedError,
  InvalidMfaCodeError,
  InvalidTokenError,
  RateLimitedError,
  ReauthenticationRequiredError,
  TotpAlreadyEnabledError,
  ValidationError,
} from '../errors.js';
import type { TotpEnrollment } from '../mfa/totp.service.js';
import { AuthPayloadType, deliver, rethrowAuthFailure } from './auth.js';
import { builder } from './builder.js';
import { UserType } from './user.js';

export const MfaMethod = builder.enumType('MfaMethod', {
  description:
    'A second factor: a code from an authenticator app, a recovery code, or a passkey (`passkeyLoginOptions` and ' +
    '`loginWithPasskey` with the challenge).',
  values: MFA_METHODS,
});

builder.objectType(MfaRequired, {
  name: 'MfaRequired',
  description:
    'The password was right and the account has a second factor on: no session yet. Within 5 minutes, send a code ' +
    'from the authenticator app, or a recovery code, with `verifyMfa(challenge, code)`; or, when `methods` lists ' +
    '`PASSKEY`, answer `passkeyLoginOptions(challenge)` with `loginWithPasskey(response, challenge)`.',
  isTypeOf: (value) => value instanceof MfaRequired,
  fields: (t) => ({
    challenge: t.exposeString('challenge', { description: 'For `verifyMfa`; works once, for 5 minutes.' }),
    methods: t.field({ type: [MfaMethod], resolve: (required) => [...required.methods] }),
  }),
});

export const TotpEnrollmentType = builder.objectRef<TotpEnrollment>('TotpEnrollment').implement({
  description:
    'An authenticator app to set up: scan the QR code (or type the secret), then confirm with a code ' +
    '(`confirmTotp`). Until confirmed, nothing changes at login.',
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'Base32, for typing into the app by hand.' }),
    uri: t.exposeString('uri', { description: 'The `otpauth://totp/…` URI the QR code holds.' }),
    qrCodeSvg: t.exposeString('qrCodeSvg', { description: 'The URI as a QR code, an SVG document.' }),
  }),
});

export const RecoveryCodesType = builder.objectRef<{ codes: string[] }>('RecoveryCodes').implement({
  description:
    'Recovery codes, shown this once: each logs in once in place of an authenticator code. Keep them somewhere safe.',
  fields: (t) => ({ codes: t.exposeStringList('codes') }),
});

builder.mutationFields((t) => ({
  verifyMfa: t.field({
    type: AuthPayloadType,
    description:
      'The second step of a login that answered `MfaRequired`: a 6-digit code from the authenticator app, or a ' +
      'recovery code. Opens the session; its tokens say `amr: ["pwd", "otp"]`. A wrong code is ' +
      '`InvalidMfaCodeError` (the fifth kills the challenge); an unknown, expired, used or dead challenge is ' +
      '`InvalidTokenError`: log in again.',
    errors: {
      types: [
        InvalidMfaCodeError,
        InvalidTokenError,
        AccountDisabledError,
        EmailNotVerifiedError,
        ValidationError,
        RateLimitedError,
      ],
      union: { name: 'VerifyMfaResult' },
    },
    args: { challenge: t.arg.string({ required: true }), code: t.arg.string({ required: true }) },
    resolve: (_root, { challenge, code }, context) =>
      context.services.mfaLogin.verify(challenge, code, context.client).then(deliver(context)),
  }),
  enrollTotp: t.field({
    type: TotpEnrollmentType,
    description:
      'Starts setting up an authenticator app for the viewer; a start not yet confirmed is replaced. Confirm with ' +
      '`confirmTotp`.',
    authScopes: { loggedIn: true },
    errors: { types: [TotpAlreadyEnabledError], union: { name: 'EnrollTotpResult' } },
    resolve: (_root, _args, context) => context.services.totp.enroll(context.credentials!).catch(rethrowAuthFailure),
  }),
  confirmTotp: t.field({
    type: RecoveryCodesType,
    description:
      'Turns the authenticator app on with a current code from it, and returns 10 recovery codes (shown once). ' +
      'From now on `login` answers `MfaRequired`.',
    authScopes: { loggedIn: true },
    errors: {
      types: [InvalidMfaCodeError, TotpAlreadyEnabledError, ValidationError, RateLimitedError],
      union: { name: 'ConfirmTotpResult' },
    },
    args: { code: t.arg.string({ required: true }) },
    resolve: async (_root, { code }, context) => ({
      codes: await context.services.totp.confirm(context.credentials!, code, context.client).catch(rethrowAuthFailure),
    }),
  }),
  disableTotp: t.field({
    type: UserType,
    description:
      'Turns the authenticator app off, with its recovery codes. Needs a current code (or a recovery code) and a ' +
      'login within REAUTH_WINDOW.',
    authScopes: { loggedIn: true },
    errors: {
      types: [InvalidMfaCodeError, ReauthenticationRequiredError, ValidationError, RateLimitedError],
      union: { name: 'DisableTotpResult' },
    },
    args: { code: t.arg.string({ required: true }) },
    resolve: (_root, { code }, context) =>
      context.services.totp.disable(context.credentials!, code, context.client).catch(rethrowAuthFailure),
  }),
  regenerateRecoveryCodes: t.field({
    type: RecoveryCodesType,
    description:
      'Replaces the recovery codes with 10 new ones (shown once); the old stop working. Needs a current code (or a ' +
      'recovery code) and a login within REAUTH_WINDOW.',
    authScopes: { loggedIn: true },
    errors: {
      types: [InvalidMfaCodeError, ReauthenticationRequiredError, ValidationError, RateLimitedError],
      union: { name: 'RegenerateRecoveryCodesResult' },
    },
    args: { code: t.arg.string({ required: true }) },
    resolve: async (_root, { code }, context) => ({
      codes: await context.services.totp
        .regenerateRecoveryCodes(context.credentials!, code, context.client)
        .catch(rethrowAuthFailure),
    }),
  }),
  resetMfa: t.boolean({
    description:
      "For a lost authenticator: removes a user's second factors and recovery codes, and ends every session of " +
      'theirs (every process refuses their access tokens before this answers). Admins only. False when no user has ' +
      'this id.',
    authScopes: { admin: true },
    args: { userId: t.arg.id({ required: true }) },
    resolve: async (_root, { userId }, { viewer, services, client }) =>
      (await services.users.resetMfa({ id: String(userId) }, { userId: viewer!.userId, client })) !== null,
  }),
}));
