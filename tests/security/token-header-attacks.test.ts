import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ME, registerUser, tokenStatus, type Account } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { decodeClaims, signWithServerKey } from '../helpers/tokens.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let app: TestApp;
let account: Account;
let claims: Record<string, any>;
// A server the attacker controls: any request to it means the verifier fetched something a token pointed at.
let attacker: Server;
let attackerUrl: string;
const attackerHits: string[] = [];

beforeAll(async () => {
  app = await createTestApp();
  account = await registerUser(app);
  claims = decodeClaims(account.accessToken);
  attacker = createServer((request, response) => {
    attackerHits.push(request.url ?? '');
    response.end('{"keys":[]}');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
  await new Promise((resolve) => attacker.close(resolve));
});

const status = (token: string) => tokenStatus(app, token);
const attackerKey = 'attacker-key-that-is-at-least-32-bytes-long';
const signWithAttackerKey = (header: Record<string, unknown>) =>
  jwt.sign(claims, attackerKey, {
    algorithm: 'HS256',
    header: { alg: 'HS256', typ: 'at+jwt', ...header } as jwt.JwtHeader,
  });

describe('token header attacks', () => {
  it('an unknown crit header is refused, even correctly signed', async () => {
    expect(await status(signWithServerKey(claims, { alg: 'HS256', typ: 'at+jwt', crit: ['exp'] }))).toBe(
      'TOKEN_INVALID',
    );
    expect(
      await status(signWithServerKey(claims, { alg: 'HS256', typ: 'at+jwt', crit: ['x-custom'], 'x-custom': 1 })),
    ).toBe('TOKEN_INVALID');
  });

  it('kid with a path or SQL selects nothing: a kid only names a key the ring holds', async () => {
    for (const kid of ['../../../../dev/null', '/etc/passwd', "x' UNION SELECT 'secret' --", 'jwt-secret']) {
      // Signed with the real key: a kid the ring does not hold is refused all the same (no file, no query)...
      expect(await status(signWithServerKey(claims, { alg: 'HS256', typ: 'at+jwt', kid }))).toBe('TOKEN_INVALID');
      // ...and signed with what that kid would point at (an empty key, a guessed one): refused.
      const forged = jwt.sign(claims, 'x'.repeat(32), {
        algorithm: 'HS256',
        header: { alg: 'HS256', typ: 'at+jwt', kid } as jwt.JwtHeader,
      });
      expect(await status(forged)).toBe('TOKEN_INVALID');
    }
  });

  it('jku, x5u, jwk and x5c never fetch or trust a key the token brings', async () => {
    const attacks = [
      { jku: `${attackerUrl}/jwks.json` },
      { x5u: `${attackerUrl}/cert.pem` },
      { jwk: { kty: 'oct', k: Buffer.from(attackerKey).toString('base64url') } },
      { x5c: ['MIIBkTCB+wIJAKHHIG...'] },
    ];
    for (const header of attacks) expect(await status(signWithAttackerKey(header))).toBe('TOKEN_INVALID');
    expect(attackerHits).toEqual([]);
  });

  it('a refresh token presented as an access token is refused', async () => {
    expect(await status(account.refreshToken)).toBe('TOKEN_INVALID');
  });
});

describe('JWT_CLOCK_TOLERANCE', () => {
  it('accepts a token expired within the tolerance, and refuses one past it', async () => {
    const lenient = await createTestApp({ JWT_CLOCK_TOLERANCE: '30s' });
    try {
      const user = await registerUser(lenient);
      const now = Math.floor(Date.now() / 1000);
      const base = decodeClaims(user.accessToken);
      const check = async (exp: number) =>
        (await lenient.graphql(ME, { token: signWithServerKey({ ...base, exp }) })).status;
      expect(await check(now - 10)).toBe(200);
      expect(await check(now - 60)).toBe(401);
    } finally {
      await lenient.close();
    }
  });
});

describe('an over-large header block', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('gets 431 before any work', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${'a'.repeat(100_000)}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(431);
  });
});
