import { Writable } from 'node:stream';

import type { ParsedMail } from 'mailparser';

import type { Clock } from '../../server/clock.js';
import { createLogger } from '../../server/logger.js';
import { startMailSender, type MailSender, type MailSenderOptions } from '../../server/mail/mail-sender.js';
import { smtpTransport } from '../../server/mail/mail-transport.js';
import type { SmtpSink } from './smtp-sink.js';
import { graphqlRequest, type GraphQLResponse, type RequestOptions, type TestApp } from './test-app.js';

export const TEST_MAIL_FROM = 'Tessera Test <no-reply@tessera.test>';

/** A clock the test moves instead of sleeping: hand the same one to the app (link expiry) and its mail sender. */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

export function testClock(start = Date.now()): TestClock {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

/**
 * The app's background mail sender, as `server.ts` starts it, sending over SMTP to `sink` and logging into
 * `app.logs`. It wakes when a mail commits (NOTIFY) or on `wake()`; its poll is an hour away.
 */
export function startAppMailSender(
  app: TestApp,
  sink: SmtpSink,
  options: Partial<MailSenderOptions> = {},
): Promise<MailSender> {
  const logs = new Writable({
    write(chunk, _encoding, done) {
      app.logs.push(String(chunk));
      done();
    },
  });
  return startMailSender({
    db: app.database.db,
    transport: smtpTransport(sink.url, TEST_MAIL_FROM),
    logger: createLogger(app.config.logLevel, logs),
    listen: app.database.listen,
    pollIntervalMs: 3_600_000,
    ...options,
  });
}

/** The address a received mail went to. */
export function recipientOf(mail: ParsedMail): string {
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
  return to?.value[0]?.address ?? '';
}

/** The mails received so far for `to` (without regard to case), optionally with this subject. */
export function mailsTo(sink: SmtpSink, to: string, subject?: string): ParsedMail[] {
  return sink.mails.filter(
    (mail) =>
      recipientOf(mail).toLowerCase() === to.toLowerCase() && (subject === undefined || mail.subject === subject),
  );
}

/** Resolves once `count` mails for `to` (with this subject, if given) have arrived; rejects after `timeoutMs`. */
export async function waitForMailsTo(
  sink: SmtpSink,
  to: string,
  { subject, count = 1, timeoutMs = 5_000 }: { subject?: string; count?: number; timeoutMs?: number } = {},
): Promise<ParsedMail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = mailsTo(sink, to, subject);
    if (mails.length >= count) return mails;
    if (Date.now() > deadline) throw new Error(`Expected ${count} mails to ${to}, got ${mails.length}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const VERIFY_SUBJECT = 'Confirm your email address';
export const RESET_SUBJECT = 'Reset your password';
export const CHANGE_NOTICE_SUBJECT = 'Your email address is being changed';

/** The latest mail with this subject to `to`, waiting for it if none has come yet. */
export async function latestMailTo(sink: SmtpSink, to: string, subject: string): Promise<ParsedMail> {
  const mails = await waitForMailsTo(sink, to, { subject });
  return mails[mails.length - 1]!;
}

export interface MailLink {
  /** The whole link, as the text part shows it. */
  readonly href: string;
  readonly url: URL;
  /** From the fragment: `verify-email` or `reset-password`. */
  readonly action: string | null;
  readonly token: string | null;
}

/** The link into the front end a mail carries (`<APP_URL>#action=…&token=…`), read from its text part. */
export function mailLinkOf(mail: ParsedMail): MailLink {
  const links = linksIn(mail.text ?? '');
  if (links.length !== 1) throw new Error(`Expected one link in the mail's text, found ${links.length}`);
  const href = links[0]!;
  const url = new URL(href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  return { href, url, action: fragment.get('action'), token: fragment.get('token') };
}

/** The token of a mail's link, checking that the link is for `action`. */
export function tokenOf(mail: ParsedMail, action: 'verify-email' | 'reset-password'): string {
  const link = mailLinkOf(mail);
  if (link.action !== action || link.token === null) throw new Error(`Not a ${action} link: ${link.href}`);
  return link.token;
}

/** The `href`s of the HTML part, unescaped. */
export function htmlLinksOf(mail: ParsedMail): string[] {
  const html = typeof mail.html === 'string' ? mail.html : '';
  return [...html.matchAll(/href="([^"]*)"/g)].map((match) => unescapeHtml(match[1]!));
}

/** Every link in a text, so that a test sees a token wherever it appears. */
export function linksIn(text: string): string[] {
  return text.match(/https?:\/\/[^\s<>"]+/g) ?? [];
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_match, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_match, code: string) => String.fromCharCode(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * `app.graphql`, resolved only once the work the request left running after its answer (a password reset's lookup
 * and mail, handed to Yoga's `waitUntil`) has ended. The request and its answer are the same as `app.graphql`'s.
 */
export async function graphqlSettled<TData = Record<string, any>>(
  app: TestApp,
  query: string,
  options: RequestOptions = {},
): Promise<GraphQLResponse<TData>> {
  const pending: Promise<unknown>[] = [];
  const response = await app.yoga.fetch('http://localhost/graphql', graphqlRequest(query, options), {
    waitUntil: (work: Promise<unknown>) => void pending.push(work),
  });
  const body = await response.json();
  await Promise.all(pending);
  return { status: response.status, headers: response.headers, body };
}

const ERROR_RESULT = /* GraphQL */ `
  fragment ErrorResult on Error {
    code
    message
    ... on ValidationError {
      field
    }
    ... on RateLimitedError {
      retryAfterSeconds
    }
  }
`;

const PRIVATE_USER = /* GraphQL */ `
  fragment PrivateUser on User {
    id
    username
    email
    emailVerified
  }
`;

export const ME_EMAIL = /* GraphQL */ `
  query MeEmail {
    me {
      ...PrivateUser
    }
  }
  ${PRIVATE_USER}
`;

export const VERIFY_EMAIL = /* GraphQL */ `
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token) {
      __typename
      ...PrivateUser
      ...ErrorResult
    }
  }
  ${PRIVATE_USER}
  ${ERROR_RESULT}
`;

export const REQUEST_EMAIL_VERIFICATION = /* GraphQL */ `
  mutation RequestEmailVerification {
    requestEmailVerification {
      __typename
      ... on MailQueued {
        to
      }
      ...ErrorResult
    }
  }
  ${ERROR_RESULT}
`;

export const CHANGE_EMAIL = /* GraphQL */ `
  mutation ChangeEmail($newEmail: String!, $password: String!) {
    changeEmail(newEmail: $newEmail, password: $password) {
      __typename
      ... on MailQueued {
        to
      }
      ...ErrorResult
    }
  }
  ${ERROR_RESULT}
`;

export const REQUEST_PASSWORD_RESET = /* GraphQL */ `
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email) {
      __typename
      ... on MailQueued {
        to
      }
      ...ErrorResult
    }
  }
  ${ERROR_RESULT}
`;

export const RESET_PASSWORD = /* GraphQL */ `
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      __typename
      ... on AuthPayload {
        accessToken
        refreshToken
        user {
          ...PrivateUser
        }
      }
      ...ErrorResult
    }
  }
  ${PRIVATE_USER}
  ${ERROR_RESULT}
`;

/** The result of the operation's one root field (its union member), or throws with the whole body. */
export function resultOf(response: GraphQLResponse): any {
  const data = response.body.data;
  if (!data) throw new Error(`No data: ${JSON.stringify(response.body)}`);
  return Object.values(data)[0];
}

/** The viewer's own account, including `email` and `emailVerified`. */
export async function me(app: TestApp, accessToken: string): Promise<any> {
  const response = await app.graphql(ME_EMAIL, { token: accessToken });
  return resultOf(response);
}

export const verifyEmail = (app: TestApp, token: string) =>
  app.graphql(VERIFY_EMAIL, { variables: { token } }).then(resultOf);

export const requestEmailVerification = (app: TestApp, accessToken: string) =>
  app.graphql(REQUEST_EMAIL_VERIFICATION, { token: accessToken }).then(resultOf);

export const changeEmail = (app: TestApp, accessToken: string, newEmail: string, password: string) =>
  app.graphql(CHANGE_EMAIL, { token: accessToken, variables: { newEmail, password } }).then(resultOf);

/** Asks for a reset link, and waits for the lookup and queueing that run after the answer. */
export const requestPasswordReset = (app: TestApp, email: string) =>
  graphqlSettled(app, REQUEST_PASSWORD_RESET, { variables: { email } }).then(resultOf);

export const resetPassword = (app: TestApp, token: string, newPassword: string) =>
  app.graphql(RESET_PASSWORD, { variables: { token, newPassword } }).then(resultOf);
