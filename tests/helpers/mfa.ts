import { Secret, TOTP } from 'otpauth';

import type { TestClock } from './account-mail.js';
import type { Account } from './accounts.js';
import type { TestApp } from './test-app.js';

const ERROR_FIELDS = '... on Error { code message }';
const PAIR_FIELDS = '... on AuthPayload { accessToken refreshToken user { id username } }';

export const LOGIN_MFA = /* GraphQL */ `
  mutation LoginMfa($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      __typename
      ... on MfaRequired { challenge methods }
      ${PAIR_FIELDS}
      ${ERROR_FIELDS}
    }
  }
`;

export const VERIFY_MFA = /* GraphQL */ `
  mutation VerifyMfa($challenge: String!, $code: String!) {
    verifyMfa(challenge: $challenge, code: $code) {
      __typename
      ${PAIR_FIELDS}
      ${ERROR_FIELDS}
    }
  }
`;

export const ENROLL_TOTP = /* GraphQL */ `
  mutation EnrollTotp {
    enrollTotp {
      __typename
      ... on TotpEnrollment { secret uri qrCodeSvg }
      ${ERROR_FIELDS}
    }
  }
`;

const codesMutation = (name: string) => /* GraphQL */ `
  mutation ${name}($code: String!) {
    ${name}(code: $code) {
      __typename
      ... on RecoveryCodes { codes }
      ${ERROR_FIELDS}
    }
  }
`;
export const CONFIRM_TOTP = codesMutation('confirmTotp');
export const REGENERATE_RECOVERY_CODES = codesMutation('regenerateRecoveryCodes');

export const DISABLE_TOTP = /* GraphQL */ `
  mutation DisableTotp($code: String!) {
    disableTotp(code: $code) {
      __typename
      ... on User { id mfaEnabled }
      ${ERROR_FIELDS}
    }
  }
`;

export const MFA_ENABLED = 'query { me { mfaEnabled } }';

/** The code an authenticator app shows for `secret` at the test clock's time (`steps` periods later or earlier). */
export function totpCode(secret: string, clock: TestClock, steps = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return totp.generate({ timestamp: clock.now() + steps * 30_000 });
}

/** One mutation's result field (the union member), from the whole response. */
export async function mutate(app: TestApp, query: string, options: Parameters<TestApp['graphql']>[1] = {}) {
  const { body } = await app.graphql(query, options);
  if (!body.data) throw new Error(`no data: ${JSON.stringify(body)}`);
  return Object.values(body.data)[0] as any;
}

/**
 * Sets up and confirms TOTP for the account (with the code of the current step), then moves the clock one step on,
 * so the next code is a fresh one. Returns the secret and the recovery codes.
 */
export async function turnOnTotp(
  app: TestApp,
  account: Account,
  clock: TestClock,
): Promise<{ secret: string; recoveryCodes: string[]; enrollment: any }> {
  const enrollment = await mutate(app, ENROLL_TOTP, { token: account.accessToken });
  if (enrollment.__typename !== 'TotpEnrollment') throw new Error(JSON.stringify(enrollment));
  const confirmed = await mutate(app, CONFIRM_TOTP, {
    token: account.accessToken,
    variables: { code: totpCode(enrollment.secret, clock) },
  });
  if (confirmed.__typename !== 'RecoveryCodes') throw new Error(JSON.stringify(confirmed));
  clock.advance(30_000);
  return { secret: enrollment.secret, recoveryCodes: confirmed.codes, enrollment };
}

/** `login` with the password: the MfaRequired (or whatever else it answered). */
export const loginFirstStep = (app: TestApp, username: string, password: string) =>
  mutate(app, LOGIN_MFA, { variables: { username, password } });

export const verifyMfa = (app: TestApp, challenge: string, code: string) =>
  mutate(app, VERIFY_MFA, { variables: { challenge, code } });

/** Both steps: password, then a TOTP code of the current step (the clock then moves a step on). */
export async function loginWithTotp(
  app: TestApp,
  account: Account,
  secret: string,
  clock: TestClock,
): Promise<{ accessToken: string; refreshToken: string }> {
  const first = await loginFirstStep(app, account.username, account.password);
  if (first.__typename !== 'MfaRequired') throw new Error(JSON.stringify(first));
  const second = await verifyMfa(app, first.challenge, totpCode(secret, clock));
  if (second.__typename !== 'AuthPayload') throw new Error(JSON.stringify(second));
  clock.advance(30_000);
  return { accessToken: second.accessToken, refreshToken: second.refreshToken };
}
