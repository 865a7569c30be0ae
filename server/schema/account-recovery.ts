import type { QueuedMail } from '../users/email-verification.service.js';
import {
  EmailTakenError,
  InvalidCredentialsError,
  InvalidTokenError,
  MailUnavailableError,
  RateLimitedError,
  AccountDisabledError,
  EmailNotVerifiedError,
  ValidationError,
} from '../errors.js';
import { MfaRequired } from '../auth/login/mfa-required.js';
import { AuthPayloadType, deliver, rethrowAuthFailure } from './auth.js';
import { builder } from './builder.js';
import { UserType } from './user.js';

export const MailQueuedType = builder.objectRef<QueuedMail>('MailQueued').implement({
  description:
    'A mail is on its way (queued, then sent by the server in the background; retried if the mail server is down).',
  fields: (t) => ({ to: t.exposeString('to', { description: 'The address it goes to.' }) }),
});

builder.mutationFields((t) => ({
  requestEmailVerification: t.field({
    type: MailQueuedType,
    description: "Sends another verification mail to the viewer's address; the link in the latest one works, once.",
    authScopes: { loggedIn: true },
    errors: {
      types: [ValidationError, MailUnavailableError, RateLimitedError],
      union: { name: 'RequestEmailVerificationResult' },
    },
    resolve: (_root, _args, context) =>
      context.services.emailVerification.request(context.credentials!, context.client).catch(rethrowAuthFailure),
  }),
  verifyEmail: t.field({
    type: UserType,
    description:
      "Proves an address with the token from a verification mail's link (`#action=verify-email&token=…`). Needs no " +
      "login. After a change of address, the new one becomes the account's here.",
    errors: {
      types: [InvalidTokenError, EmailTakenError, ValidationError, RateLimitedError],
      union: { name: 'VerifyEmailResult' },
    },
    args: { token: t.arg.string({ required: true }) },
    resolve: async (_root, { token }, context) => {
      const user = await context.services.emailVerification.verify(token, context.client);
      // Holding the link proves the mailbox: the answer may show the account's own fields.
      context.authenticatedInRequest.add(user.id);
      return user;
    },
  }),
  changeEmail: t.field({
    type: MailQueuedType,
    description:
      "Changes the viewer's address once the password is confirmed: a verification mail goes to the new address " +
      'and a notice to the old one. `User.email` changes only when the new address is verified (`verifyEmail`).',
    authScopes: { loggedIn: true },
    errors: {
      types: [InvalidCredentialsError, EmailTakenError, ValidationError, MailUnavailableError, RateLimitedError],
      union: { name: 'ChangeEmailResult' },
    },
    args: {
      newEmail: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: (_root, args, context) =>
      context.services.emailVerification
        .changeEmail(context.credentials!, args, context.client)
        .catch(rethrowAuthFailure),
  }),
  requestPasswordReset: t.field({
    type: MailQueuedType,
    description:
      'Mails a password reset link to this address if an account has it. The answer is the same, and as quick, ' +
      'whether or not one does: it does not tell who has an account.',
    errors: {
      types: [ValidationError, MailUnavailableError, RateLimitedError],
      union: { name: 'RequestPasswordResetResult' },
    },
    args: { email: t.arg.string({ required: true }) },
    resolve: async (_root, { email }, context) => {
      const { to, queued } = await context.services.passwordReset.request(email, context.client);
      context.waitUntil(queued);
      return { to };
    },
  }),
  resetPassword: t.field({
    type: AuthPayloadType,
    description:
      "Sets a new password with the token from a reset mail's link (`#action=reset-password&token=…`), and logs in " +
      '(a new session). Every other session ends and every access token minted before is refused on every server ' +
      'before this answers. The link works once; the address it was mailed to counts as verified. With a second ' +
      'factor on, the password is changed and the answer is `MfaRequired`: `verifyMfa` opens the session.',
    errors: {
      types: [
        MfaRequired,
        InvalidTokenError,
        ValidationError,
        AccountDisabledError,
        EmailNotVerifiedError,
        RateLimitedError,
      ],
      union: { name: 'ResetPasswordResult' },
    },
    args: {
      token: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true }),
    },
    resolve: (_root, { token, newPassword }, context) =>
      context.services.passwordReset.reset(token, newPassword, context.client).then(deliver(context)),
  }),
}));
