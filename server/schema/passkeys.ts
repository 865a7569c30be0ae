import {
  AccountDisabledError,
  EmailNotVerifiedError,
  InvalidPasskeyError,
  InvalidTokenError,
  RateLimitedError,
  ReauthenticationRequiredError,
  ValidationError,
} from '../errors.js';
import type { Passkey } from '../passkeys/passkey.service.js';
import { AuthPayloadType, deliver, rethrowAuthFailure } from './auth.js';
import { builder } from './builder.js';

export const PasskeyType = builder.objectRef<Passkey>('Passkey').implement({
  description:
    "One of the viewer's passkeys. The private key never leaves the authenticator; only its public key is kept.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The credential id (base64url), as the authenticator chose it.' }),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    synced: t.exposeBoolean('synced', {
      description: 'Synced between devices by a passkey provider (`amr: swk`), rather than bound to one (`hwk`).',
    }),
  }),
});

const PasskeysLeftType = builder.objectRef<{ deleted: boolean; passkeys: Passkey[] }>('PasskeyDeletion').implement({
  description: 'What `deletePasskey` did, and the passkeys the viewer has left.',
  fields: (t) => ({
    deleted: t.exposeBoolean('deleted', { description: 'False when the viewer had no passkey with this id.' }),
    passkeys: t.field({ type: [PasskeyType], resolve: (result) => result.passkeys }),
  }),
});

const PasskeyOptionsType = builder.objectRef<{ options: Record<string, unknown> }>('PasskeyOptions').implement({
  description: 'What the browser needs for a passkey ceremony, valid once, for 5 minutes.',
  fields: (t) => ({
    options: t.field({
      type: 'JSONObject',
      description:
        'WebAuthn options as JSON (`optionsJSON` of `@simplewebauthn/browser`): `PublicKeyCredentialCreationOptionsJSON` ' +
        'for a registration, `PublicKeyCredentialRequestOptionsJSON` for a login.',
      resolve: (result) => result.options,
    }),
  }),
});

const asOptions = (options: object) => ({ options: options as Record<string, unknown> });

builder.queryFields((t) => ({
  passkeys: t.field({
    type: [PasskeyType],
    description: "The viewer's passkeys, oldest first.",
    authScopes: { loggedIn: true },
    resolve: (_root, _args, { viewer, services }) => services.passkeys.list(viewer!.userId),
  }),
}));

builder.mutationFields((t) => ({
  passkeyRegistrationOptions: t.field({
    type: PasskeyOptionsType,
    description:
      'Options for registering a passkey for the viewer: hand them to `startRegistration` of `@simplewebauthn/browser` ' +
      '(or `navigator.credentials.create`), then send its answer to `registerPasskey` within 5 minutes.',
    authScopes: { loggedIn: true },
    errors: { types: [RateLimitedError], union: { name: 'PasskeyRegistrationOptionsResult' } },
    resolve: (_root, _args, context) =>
      context.services.passkeys
        .registrationOptions(context.credentials!, context.requestUrl, context.client)
        .then(asOptions, rethrowAuthFailure),
  }),
  registerPasskey: t.field({
    type: PasskeyType,
    description:
      'Keeps the passkey the browser made from `passkeyRegistrationOptions` (its answer, as `startRegistration` ' +
      'returns it). From now on `loginWithPasskey` logs the viewer in with it, without a username or password.',
    authScopes: { loggedIn: true },
    errors: {
      types: [InvalidPasskeyError, ValidationError, RateLimitedError],
      union: { name: 'RegisterPasskeyResult' },
    },
    args: {
      response: t.arg({ type: 'JSONObject', required: true }),
      name: t.arg.string({ description: 'What to call it ("Laptop", "YubiKey"); "Passkey" when left out.' }),
    },
    resolve: (_root, { response, name }, context) =>
      context.services.passkeys
        .register(context.credentials!, response, name ?? null, context.requestUrl, context.client)
        .catch(rethrowAuthFailure),
  }),
  deletePasskey: t.field({
    type: PasskeysLeftType,
    description: "Removes one of the viewer's passkeys: it logs no one in again. Needs a login within REAUTH_WINDOW.",
    authScopes: { loggedIn: true },
    errors: { types: [ReauthenticationRequiredError], union: { name: 'DeletePasskeyResult' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const deleted = await context.services.passkeys
        .delete(context.credentials!, String(id), context.client)
        .catch(rethrowAuthFailure);
      return { deleted, passkeys: await context.services.passkeys.list(context.viewer!.userId) };
    },
  }),
  passkeyLoginOptions: t.field({
    type: PasskeyOptionsType,
    description:
      'Options for logging in with a passkey: hand them to `startAuthentication` of `@simplewebauthn/browser`, then ' +
      'send its answer to `loginWithPasskey` within 5 minutes. Without `challenge`, any passkey of this site will do ' +
      '(no username); with the challenge of an `MfaRequired` that lists `PASSKEY`, only that user’s passkeys.',
    errors: {
      types: [InvalidTokenError, ValidationError, RateLimitedError],
      union: { name: 'PasskeyLoginOptionsResult' },
    },
    args: { challenge: t.arg.string({ description: 'From `MfaRequired`, for a second step.' }) },
    resolve: (_root, { challenge }, context) =>
      context.services.passkeys.loginOptions(context.requestUrl, challenge ?? null, context.client).then(asOptions),
  }),
  loginWithPasskey: t.field({
    type: AuthPayloadType,
    description:
      'Opens a session with a passkey: the answer of `startAuthentication` to `passkeyLoginOptions`. Its tokens say ' +
      '`amr: ["hwk"]` (a passkey bound to its device) or `["swk"]` (a synced one). With `challenge` (the same one ' +
      'the options were asked with) it is the second step of a password login instead: `amr: ["pwd", "hwk"]`.',
    errors: {
      types: [
        InvalidPasskeyError,
        InvalidTokenError,
        AccountDisabledError,
        EmailNotVerifiedError,
        ValidationError,
        RateLimitedError,
      ],
      union: { name: 'LoginWithPasskeyResult' },
    },
    args: {
      response: t.arg({ type: 'JSONObject', required: true }),
      challenge: t.arg.string({ description: 'From `MfaRequired`, for a second step.' }),
    },
    resolve: (_root, { response, challenge }, context) =>
      context.services.passkeys
        .login(response, challenge ?? null, context.requestUrl, context.client)
        .then(deliver(context)),
  }),
}));
