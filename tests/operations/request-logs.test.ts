import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  REQUEST_EMAIL_VERIFICATION,
  REQUEST_PASSWORD_RESET,
  RESET_PASSWORD,
  VERIFY_EMAIL,
} from '../helpers/account-mail.js';
import { CHANGE_PASSWORD, LOGIN, ME, REFRESH, REGISTER, uniqueUsername } from '../helpers/accounts.js';
import { mailLinksIn, uniqueEmail } from '../helpers/dev-outbox.js';
import { cookieHeader, refreshCookieOf } from '../helpers/refresh-cookie.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../helpers/test-app.js';

/** One request line, as logged. */
interface RequestLine {
  level: number;
  msg: string;
  requestId: string;
  method: string;
  path: string;
  operation?: string | null;
  operationType?: string;
  fields?: string[];
  status: number;
  durationMs: number;
  userId?: string | null;
  refusedToken?: string;
  errors?: string[];
}

/** What a request sent by the test should have logged. */
interface Expected {
  requestId: string;
  operation: string | null;
  status: number;
  userId: string | null;
  refusedToken?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const logLines = (app: TestApp) =>
  app.logs
    .join('')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const requestLines = (app: TestApp) =>
  logLines(app).filter((line) => line.msg === 'Request') as unknown as RequestLine[];

/**
 * A client of one app that sends every request with an `X-Request-Id` of its own (or none, then reads the one the
 * server made), notes what its log line should say, and waits for the work a request leaves running (mail).
 */
function client(app: TestApp) {
  const expected: Expected[] = [];
  let sent = 0;
  async function send(
    query: string,
    options: {
      token?: string;
      variables?: Record<string, unknown>;
      headers?: Record<string, string>;
      /** Send no `X-Request-Id`: the server makes one. */
      anonymousId?: boolean;
      expect: Omit<Expected, 'requestId'>;
    },
  ) {
    const requestId = options.anonymousId ? undefined : `flow-${++sent}-${randomBytes(4).toString('hex')}`;
    const pending: Promise<unknown>[] = [];
    const response = await app.yoga.fetch(
      'http://localhost/graphql',
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(requestId && { 'x-request-id': requestId }),
          ...(options.token && { authorization: `Bearer ${options.token}` }),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables: options.variables }),
      },
      { waitUntil: (work: Promise<unknown>) => void pending.push(work) },
    );
    const body = await response.json();
    await Promise.all(pending);
    const echoed = response.headers.get('x-request-id');
    if (requestId) expect(echoed).toBe(requestId);
    else expect(echoed).toMatch(UUID);
    expect(response.status).toBe(options.expect.status);
    expected.push({ requestId: echoed!, ...options.expect });
    return { status: response.status, headers: response.headers, body };
  }
  return { send, expected };
}

/** Every expected request has exactly one line, saying what it should; no other GraphQL request was logged. */
function expectOneLinePerRequest(app: TestApp, expected: Expected[]) {
  const lines = requestLines(app).filter((line) => line.path === '/graphql');
  expect(lines.map((line) => line.requestId).sort()).toEqual(expected.map((request) => request.requestId).sort());
  for (const request of expected) {
    const line = lines.find((candidate) => candidate.requestId === request.requestId)!;
    expect(line).toMatchObject({
      level: request.status >= 500 ? 40 : 30,
      method: 'POST',
      path: '/graphql',
      operation: request.operation,
      status: request.status,
      durationMs: expect.any(Number),
      userId: request.userId,
    });
    expect(line.operationType).toMatch(/^(query|mutation)$/);
    expect(line.fields?.length).toBeGreaterThan(0);
    expect(line.refusedToken).toBe(request.refusedToken);
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
  }
}

/** Every secret, whole; and each JWT's signature alone, enough to replay it. */
function expectNoSecretIn(logs: string, secrets: Iterable<string>) {
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(8);
    expect(logs).not.toContain(secret);
    const parts = secret.split('.');
    if (parts.length === 3) expect(logs).not.toContain(parts[2]);
  }
}

describe('request logs', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ LOG_LEVEL: 'trace', REFRESH_REUSE_GRACE: '0' });
  });
  afterAll(() => app?.close());

  /** The token in the newest mail to `to` (read from the outbox table), for this link's action. */
  async function mailedToken(to: string, action: 'verify-email' | 'reset-password'): Promise<string> {
    const mails = await app.database.db
      .selectFrom('mail_outbox')
      .select('text_body')
      .where('recipient', '=', to)
      .orderBy('created_at', 'desc')
      .execute();
    const link = mails.flatMap((mail) => mailLinksIn(mail.text_body)).find((found) => found.action === action);
    if (!link) throw new Error(`No ${action} mail to ${to}`);
    return link.token;
  }

  it('a whole run logs one line per request, and no token, password or secret', async () => {
    const { send, expected } = client(app);
    const secrets = new Set<string>([TEST_JWT_SECRET]);
    const keep = (...values: (string | undefined)[]) => {
      for (const value of values) {
        expect(value).toEqual(expect.any(String));
        secrets.add(value!);
      }
    };
    const username = uniqueUsername('logs');
    const email = uniqueEmail(username);
    const passwords = {
      first: `first-${randomBytes(8).toString('hex')}`,
      wrong: `wrong-${randomBytes(8).toString('hex')}`,
      changed: `changed-${randomBytes(8).toString('hex')}`,
      reset: `reset-${randomBytes(8).toString('hex')}`,
    };
    keep(...Object.values(passwords));

    // Register (with an address: a verification mail is queued), log in, fail to log in.
    const registered = await send(REGISTER, {
      variables: { username, email, password: passwords.first },
      expect: { operation: 'Register', status: 200, userId: null },
    });
    const userId = registered.body.data.register.user.id as string;
    keep(registered.body.data.register.accessToken, registered.body.data.register.refreshToken);
    const loggedIn = (
      await send(LOGIN, {
        variables: { username, password: passwords.first },
        anonymousId: true,
        expect: { operation: 'Login', status: 200, userId: null },
      })
    ).body.data.login;
    keep(loggedIn.accessToken, loggedIn.refreshToken);
    const failed = await send(LOGIN, {
      variables: { username, password: passwords.wrong },
      expect: { operation: 'Login', status: 200, userId: null },
    });
    expect(failed.body.data.login.__typename).not.toBe('AuthPayload');

    // Verify the address with the token from the mail.
    const verificationToken = await mailedToken(email, 'verify-email');
    keep(verificationToken);
    const verified = await send(VERIFY_EMAIL, {
      variables: { token: verificationToken },
      expect: { operation: 'VerifyEmail', status: 200, userId: null },
    });
    expect(verified.body.data.verifyEmail.__typename).toBe('User');

    // Refresh, then use the new access token.
    const refreshed = (
      await send(REFRESH, {
        variables: { refreshToken: loggedIn.refreshToken },
        expect: { operation: 'Refresh', status: 200, userId: null },
      })
    ).body.data.refreshToken;
    keep(refreshed.accessToken, refreshed.refreshToken);
    await send(ME, { token: refreshed.accessToken, expect: { operation: 'Me', status: 200, userId } });
    await send('{ me { id } }', {
      token: refreshed.accessToken,
      anonymousId: true,
      expect: { operation: null, status: 200, userId },
    });
    await send(REQUEST_EMAIL_VERIFICATION, {
      token: refreshed.accessToken,
      expect: { operation: 'RequestEmailVerification', status: 200, userId },
    });

    // Change the password: the old tokens go stale, a new pair comes back.
    const changed = (
      await send(CHANGE_PASSWORD, {
        token: refreshed.accessToken,
        variables: { current: passwords.first, next: passwords.changed },
        expect: { operation: 'ChangePassword', status: 200, userId },
      })
    ).body.data.changePassword;
    expect(changed.__typename).toBe('AuthPayload');
    keep(changed.accessToken, changed.refreshToken);
    await send(ME, {
      token: refreshed.accessToken,
      expect: { operation: 'Me', status: 401, userId: null, refusedToken: 'TOKEN_STALE' },
    });

    // Reset it through the mailed link, sent with a stale token still in the client's headers.
    await send(REQUEST_PASSWORD_RESET, {
      variables: { email },
      expect: { operation: 'RequestPasswordReset', status: 200, userId: null },
    });
    const resetToken = await mailedToken(email, 'reset-password');
    keep(resetToken);
    const reset = (
      await send(RESET_PASSWORD, {
        token: refreshed.accessToken,
        variables: { token: resetToken, newPassword: passwords.reset },
        expect: { operation: 'ResetPassword', status: 200, userId: null, refusedToken: 'TOKEN_STALE' },
      })
    ).body.data.resetPassword;
    expect(reset.__typename).toBe('AuthPayload');
    keep(reset.accessToken, reset.refreshToken);

    // A refresh token used twice (no grace): reuse is detected and the session ends.
    const second = (
      await send(LOGIN, {
        variables: { username, password: passwords.reset },
        expect: { operation: 'Login', status: 200, userId: null },
      })
    ).body.data.login;
    keep(second.accessToken, second.refreshToken);
    const rotated = (
      await send(REFRESH, {
        variables: { refreshToken: second.refreshToken },
        expect: { operation: 'Refresh', status: 200, userId: null },
      })
    ).body.data.refreshToken;
    keep(rotated.accessToken, rotated.refreshToken);
    await send(REFRESH, {
      variables: { refreshToken: second.refreshToken },
      expect: { operation: 'Refresh', status: 200, userId: null },
    });

    // Log out, then present the token again, and a forged one.
    await send('mutation Logout { logout }', {
      token: reset.accessToken,
      expect: { operation: 'Logout', status: 200, userId },
    });
    await send(ME, {
      token: reset.accessToken,
      expect: { operation: 'Me', status: 401, userId: null, refusedToken: 'TOKEN_REVOKED' },
    });
    const forged = `${reset.accessToken.slice(0, -4)}AAAA`;
    await send(ME, {
      token: forged,
      expect: { operation: 'Me', status: 401, userId: null, refusedToken: 'TOKEN_INVALID' },
    });

    expectOneLinePerRequest(app, expected);
    expect(requestLines(app).find((line) => line.refusedToken === 'TOKEN_REVOKED')?.errors).toEqual([
      'UNAUTHENTICATED',
    ]);
    const logs = app.logs.join('');
    // The run logged more than request lines: the auth events too (a failed login, the reuse).
    expect(logLines(app).some((line) => line.msg === 'Auth event' && line.event === 'REFRESH_TOKEN_REUSED')).toBe(true);
    expectNoSecretIn(logs, secrets);
  });

  it('an X-Request-Id that is too long or not plain is replaced by one of the server’s', async () => {
    for (const offered of ['x'.repeat(129), 'two words', 'quote"d', 'new\tline', '']) {
      const response = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': offered },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      const echoed = response.headers.get('x-request-id');
      expect(echoed).toMatch(UUID);
      expect(requestLines(app).filter((line) => line.requestId === echoed)).toHaveLength(1);
      if (offered.length > 0) expect(app.logs.join('')).not.toContain(offered);
    }
    const plain = 'lb-1:67891233.abcdef_0123456789-ABCDEF';
    const response = await app.yoga.fetch('http://localhost/health/live', { headers: { 'x-request-id': plain } });
    expect(response.headers.get('x-request-id')).toBe(plain);
  });

  it('logs the path without its query string, and requests that never reach GraphQL', async () => {
    const secret = `in-the-query-string-${randomBytes(8).toString('hex')}`;
    const get = await app.yoga.fetch(
      `http://localhost/graphql?query=${encodeURIComponent(`{ me { id } }`)}&variables=${encodeURIComponent(JSON.stringify({ password: secret }))}`,
      { headers: { accept: 'application/json' } },
    );
    const id = get.headers.get('x-request-id');
    expect(requestLines(app).filter((line) => line.requestId === id)).toEqual([
      expect.objectContaining({ method: 'GET', path: '/graphql', status: get.status }),
    ]);
    const malformed = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'malformed-1' },
      body: `{"query": "mutation { login(password: \\"${secret}\\""`,
    });
    expect(malformed.status).toBe(400);
    expect(requestLines(app).filter((line) => line.requestId === 'malformed-1')).toEqual([
      expect.objectContaining({ path: '/graphql', status: 400 }),
    ]);
    expect(app.logs.join('')).not.toContain(secret);
  });
});

describe('request logs at info', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ LOG_LEVEL: 'info' });
  });
  afterAll(() => app?.close());

  it('leave out health probes (debug), and keep GraphQL requests', async () => {
    for (let i = 0; i < 5; i++) {
      for (const path of ['/health', '/health/ready', '/health/live']) {
        const response = await app.yoga.fetch(`http://localhost${path}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('x-request-id')).toMatch(UUID);
      }
    }
    await app.graphql('{ __typename }', { headers: { 'x-request-id': 'info-1' } });
    expect(requestLines(app).map((line) => [line.requestId, line.path])).toEqual([['info-1', '/graphql']]);
  });
});

describe('request logs in cookie mode', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ LOG_LEVEL: 'trace', REFRESH_TOKEN_COOKIE: 'true' });
  });
  afterAll(() => app?.close());

  it('never log the refresh cookie, sent or received', async () => {
    const { send, expected } = client(app);
    const password = `cookie-${randomBytes(8).toString('hex')}`;
    const registered = await send(REGISTER, {
      variables: { username: uniqueUsername('cookie'), password },
      expect: { operation: 'Register', status: 200, userId: null },
    });
    const first = refreshCookieOf(registered)!.value;
    const refreshed = await send(REFRESH, {
      headers: cookieHeader(first),
      expect: { operation: 'Refresh', status: 200, userId: null },
    });
    const second = refreshCookieOf(refreshed)!.value;
    const accessToken = refreshed.body.data.refreshToken.accessToken as string;
    await send('mutation Logout { logout }', {
      token: accessToken,
      headers: cookieHeader(second),
      expect: { operation: 'Logout', status: 200, userId: registered.body.data.register.user.id },
    });

    expectOneLinePerRequest(app, expected);
    expectNoSecretIn(app.logs.join(''), [password, first, second, accessToken, TEST_JWT_SECRET]);
  });
});
