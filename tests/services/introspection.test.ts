import { createHash } from 'node:crypto';

import jwt from 'jsonwebtoken';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { createServiceCredentialService } from '../../server/services/service-credentials.js';
import { createUserService } from '../../server/users/user.service.js';
import { CHANGE_PASSWORD, registerUser, tokenStatus } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { decodeClaims } from '../helpers/tokens.js';
import { basic, introspect, type ServiceSecret } from './introspection-request.js';

const INVALID_CLIENT = { error: 'invalid_client' };

let app: TestApp;
let service: ServiceSecret;
const ask = (token: string, options: Parameters<typeof introspect>[2] = {}) =>
  introspect(app, token, { credentials: service, ...options });

beforeAll(async () => {
  app = await createTestApp();
  service = await createServiceCredentialService(app.database.db).create('orders-api');
});
afterAll(() => app?.close());
afterEach(() => {
  vi.useRealTimers();
});

// Issue #16, item 5: RFC 7662 introspection for services with credentials, by the server's own rules.
describe('POST /oauth/introspect', () => {
  it('says active, with the claims the server reads, for a live token (and is never cached)', async () => {
    const user = await registerUser(app);
    const { status, headers, body } = await ask(user.accessToken);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    const claims = decodeClaims(user.accessToken);
    expect(body).toEqual({
      active: true,
      sub: user.id,
      sid: claims.sid,
      jti: claims.jti,
      exp: claims.exp,
      iat: claims.iat,
      iss: app.config.jwtIssuer,
      aud: app.config.jwtAudience,
      role: 'USER',
      amr: ['pwd'],
      auth_time: claims.auth_time,
      token_type: 'access_token',
    });
  });

  it('says inactive, TOKEN_REVOKED, after logout', async () => {
    const user = await registerUser(app);
    await app.graphql('mutation { logout }', { token: user.accessToken });
    expect((await ask(user.accessToken)).body).toEqual({ active: false, tessera_reason: 'TOKEN_REVOKED' });
  });

  it('says inactive, TOKEN_STALE, after a role change', async () => {
    const user = await registerUser(app);
    await createUserService({ db: app.database.db, revocations: app.revocations }).setRole({ id: user.id }, 'ADMIN');
    expect((await ask(user.accessToken)).body).toEqual({ active: false, tessera_reason: 'TOKEN_STALE' });
  });

  it('after a password change, answers the same reason the server gives the token', async () => {
    const user = await registerUser(app);
    const { body } = await app.graphql(CHANGE_PASSWORD, {
      token: user.accessToken,
      variables: { current: user.password, next: 'a new and different passphrase' },
    });
    expect(body.data?.changePassword.__typename).toBe('AuthPayload');
    const reason = await tokenStatus(app, user.accessToken);
    expect(['TOKEN_STALE', 'TOKEN_REVOKED']).toContain(reason);
    expect((await ask(user.accessToken)).body).toEqual({ active: false, tessera_reason: reason });
  });

  it('says inactive, TOKEN_EXPIRED, once the token has expired', async () => {
    const user = await registerUser(app);
    const { exp } = decodeClaims(user.accessToken);
    // Only Date is faked: the database and Yoga keep their real timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((exp + app.config.jwtClockToleranceSeconds + 60) * 1000);
    expect((await ask(user.accessToken)).body).toEqual({ active: false, tessera_reason: 'TOKEN_EXPIRED' });
  });

  it('says inactive, TOKEN_INVALID, for a foreign token (the same claims signed with another key) and garbage', async () => {
    const user = await registerUser(app);
    // The very header (its `kid` too) and claims of a live token: only the key differs.
    const { header, payload } = jwt.decode(user.accessToken, { complete: true })!;
    const foreign = jwt.sign(payload, 'another-issuers-secret-at-least-32-bytes', {
      header: { ...header, alg: 'HS256' },
    });
    for (const token of [foreign, 'garbage', `${user.accessToken}x`, 'a.b.c', 'x'.repeat(5000)]) {
      expect((await ask(token)).body).toEqual({ active: false, tessera_reason: 'TOKEN_INVALID' });
    }
  });

  it('wants exactly one token in a form body (RFC 7662 §2.1), and POST', async () => {
    const user = await registerUser(app);
    const invalid = { status: 400, body: { error: 'invalid_request' } };
    const json = JSON.stringify({ token: user.accessToken });
    expect(await ask('', { contentType: 'application/json', body: json })).toMatchObject(invalid);
    expect(await ask('', { body: '' })).toMatchObject(invalid);
    expect(await ask('', { body: 'token=' })).toMatchObject(invalid);
    const twice = new URLSearchParams([
      ['token', user.accessToken],
      ['token', 'garbage'],
    ]).toString();
    expect(await ask('', { body: twice })).toMatchObject(invalid);
    expect(await ask('', { body: `token=${'x'.repeat(9000)}` })).toMatchObject(invalid);
    // A hint is allowed and ignored; the charset parameter too.
    const hinted = await ask('', {
      body: new URLSearchParams({ token: user.accessToken, token_type_hint: 'refresh_token' }).toString(),
      contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
    });
    expect(hinted.body).toMatchObject({ active: true, sub: user.id });
    const get = await ask(user.accessToken, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('service credentials at /oauth/introspect', () => {
  const refusedAs401 = (response: Awaited<ReturnType<typeof introspect>>) => {
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="tessera"');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toEqual(INVALID_CLIENT);
  };

  it('refuses a request without credentials, or with wrong, unknown or malformed ones', async () => {
    const user = await registerUser(app);
    refusedAs401(await introspect(app, user.accessToken));
    refusedAs401(
      await introspect(app, user.accessToken, { credentials: { ...service, secret: `${service.secret}x` } }),
    );
    refusedAs401(await introspect(app, user.accessToken, { credentials: { ...service, secret: '' } }));
    refusedAs401(
      await introspect(app, user.accessToken, { credentials: { id: 'svc_0000000000000000', secret: service.secret } }),
    );
    refusedAs401(await introspect(app, user.accessToken, { authorization: `Bearer ${user.accessToken}` }));
    refusedAs401(await introspect(app, user.accessToken, { authorization: 'Basic !!!' }));
    refusedAs401(await introspect(app, user.accessToken, { authorization: basic(service).replace('Basic', 'Digest') }));
    // The scheme's name is case-insensitive (RFC 7617).
    expect((await introspect(app, user.accessToken, { authorization: basic(service).toLowerCase() })).status).toBe(401);
    expect(
      (await introspect(app, user.accessToken, { authorization: basic(service).replace('Basic', 'BASIC') })).body,
    ).toMatchObject({ active: true });
  });

  it('refuses a revoked credential on its next request', async () => {
    const services = createServiceCredentialService(app.database.db);
    const billing = await services.create('billing');
    const user = await registerUser(app);
    expect((await introspect(app, user.accessToken, { credentials: billing })).body).toMatchObject({ active: true });
    expect(await services.revoke('billing')).toMatchObject({ outcome: 'revoked' });
    refusedAs401(await introspect(app, user.accessToken, { credentials: billing }));
    // Others are not affected.
    expect((await ask(user.accessToken)).body).toMatchObject({ active: true });
  });

  it('introspection without credentials leaks nothing', async () => {
    const live = await registerUser(app);
    const revoked = await registerUser(app);
    await app.graphql('mutation { logout }', { token: revoked.accessToken });
    const answers = [];
    for (const token of [live.accessToken, revoked.accessToken, 'garbage']) {
      const wrong = { ...service, secret: 'guess' };
      for (const options of [{}, { credentials: wrong }, { contentType: 'application/json', body: '{}' }]) {
        const { status, headers, body } = await introspect(app, token, options);
        answers.push({ status, authenticate: headers.get('www-authenticate'), body });
      }
    }
    // The same answer whatever the token is, and whether or not the body could be read.
    expect(new Set(answers.map((answer) => JSON.stringify(answer)))).toEqual(
      new Set([JSON.stringify({ status: 401, authenticate: 'Basic realm="tessera"', body: INVALID_CLIENT })]),
    );
    const logs = app.logs.join('');
    for (const secret of [live.accessToken, revoked.accessToken, service.secret]) expect(logs).not.toContain(secret);
  });

  it('stores only the hash of a secret', async () => {
    const rows = await app.database.db.selectFrom('service_credentials').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.secret_hash).not.toContain(service.secret);
    }
    const mine = rows.find((row) => row.id === service.id);
    expect(mine?.secret_hash).toBe(createHash('sha256').update(service.secret).digest('hex'));
  });
});

describe('service secret guessing', () => {
  let limited: TestApp;
  let victim: ServiceSecret;
  beforeAll(async () => {
    limited = await createTestApp({ RATE_LIMIT_ADDRESS: '3/1m' });
    victim = await createServiceCredentialService(limited.database.db).create('victim');
  });
  afterAll(() => limited?.close());

  it('is rate limited per address: past the limit even the right secret waits, other addresses are served', async () => {
    const user = await registerUser(limited);
    const guess = (secret: string, from: string) =>
      introspect(limited, user.accessToken, { credentials: { id: victim.id, secret }, from });
    // Successes are free: a verifier asking for every token is never slowed by its own traffic.
    for (let i = 0; i < 5; i++) expect((await guess(victim.secret, '203.0.113.7')).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await guess(`guess-${i}`, '203.0.113.7')).status).toBe(401);
    const refused = await guess('guess-3', '203.0.113.7');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'too_many_requests' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // The right secret from the refused address is refused too: a lucky guess tells the guesser nothing.
    expect((await guess(victim.secret, '203.0.113.7')).status).toBe(429);
    // The credential's owner, elsewhere, is not locked out.
    expect((await guess(victim.secret, '198.51.100.2')).body).toMatchObject({ active: true });
  });

  it('counts an IPv6 network as one address', async () => {
    const user = await registerUser(limited);
    const guess = (secret: string, from: string) =>
      introspect(limited, user.accessToken, { credentials: { id: victim.id, secret }, from });
    for (let i = 0; i < 4; i++) await guess(`guess-${i}`, `2001:db8:1:2::${i + 1}`);
    expect((await guess(victim.secret, '2001:db8:1:2::99')).status).toBe(429);
    expect((await guess(victim.secret, '2001:db8:1:3::1')).status).toBe(200);
  });
});
