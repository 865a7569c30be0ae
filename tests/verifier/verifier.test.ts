import { createHmac, randomBytes } from 'node:crypto';

import { createSchema, createYoga } from 'graphql-yoga';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createServiceCredentialService } from '../../server/services/service-credentials.js';
import { createTesseraVerifier, type TesseraVerifier, type TesseraVerifierOptions } from '../../verifier/verifier.js';
import { useTesseraAuth, type TesseraAuthContext } from '../../verifier/use-tessera-auth.js';
import { LOGIN, PASSWORD, REGISTER, uniqueUsername } from '../helpers/accounts.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { base64url, decodeClaims } from '../helpers/tokens.js';

const post = (url: string, query: string, variables: Record<string, unknown> = {}, token?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  }).then((response) => response.json() as Promise<any>);

/** The reason a verify() rejects with, or 'OK'. */
const outcome = (verifier: TesseraVerifier, token: string) =>
  verifier.verify(token).then(
    () => 'OK',
    (error: { code?: string }) => String(error.code ?? error),
  );

// The verifier on its own, against a real Tessera (ES256) on a port: what it refuses, and what it asks Tessera for.
describe('tessera/verifier against a real Tessera', () => {
  let server: TestServer;
  let service: { id: string; secret: string };
  const verifiers: TesseraVerifier[] = [];
  /** Requests the verifiers made, by path. */
  const requests: string[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    requests.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
    return fetch(input, init);
  };
  const count = (path: string) => requests.filter((requested) => requested === path).length;
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };

  const open = async (options: Partial<TesseraVerifierOptions> = {}) => {
    const verifier = createTesseraVerifier({
      issuer: server.url,
      audience: 'tessera',
      service,
      fetch: countingFetch,
      clock,
      ...options,
    });
    verifiers.push(verifier);
    await verifier.ready();
    return verifier;
  };
  const register = async () => {
    const username = uniqueUsername('verifier');
    const body = await post(server.graphqlUrl, REGISTER, { username, password: PASSWORD });
    return { username, token: body.data.register.accessToken as string };
  };

  beforeAll(async () => {
    server = await startTestServer({ JWT_ALGORITHM: 'ES256' });
    service = await createServiceCredentialService(server.database.db).create(`unit-${randomBytes(3).toString('hex')}`);
  });
  afterEach(async () => {
    offsetMs = 0;
    requests.length = 0;
    await Promise.all(verifiers.splice(0).map((verifier) => verifier.close()));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('verifies a token locally, with the feed live, and refuses its logout as soon as the feed tells', async () => {
    const verifier = await open();
    await expect.poll(() => verifier.status().feed).toBe('live');
    expect(verifier.status().keys).toBeGreaterThan(0);
    const { token } = await register();
    const claims = await verifier.verify(token);
    expect(claims).toMatchObject({ sub: decodeClaims(token).sub, role: 'USER', iss: decodeClaims(token).iss });
    expect(count('/oauth/introspect')).toBe(0);

    await post(server.graphqlUrl, 'mutation { logout }', {}, token);
    await expect.poll(() => outcome(verifier, token), { interval: 5 }).toBe('TOKEN_REVOKED');
    expect(count('/oauth/introspect')).toBe(0);
  });

  it('a token with an unknown kid fetches the key set at most once per interval: no fetch storm', async () => {
    const verifier = await open({ jwksRefetchIntervalMs: 30_000 });
    const { token } = await register();
    const { privateKey } = await generateKeyPair('ES256');
    const forge = (kid: string) =>
      new SignJWT({ ...decodeClaims(token) }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(privateKey);
    const forged = await Promise.all(Array.from({ length: 50 }, (_, i) => forge(`made-up-${i}`)));
    const fetchedAtStart = count('/.well-known/jwks.json');
    expect(fetchedAtStart).toBe(1);

    const flood = () => Promise.all(forged.map((bad) => outcome(verifier, bad)));
    expect(new Set(await flood())).toEqual(new Set(['TOKEN_INVALID']));
    expect(new Set(await flood())).toEqual(new Set(['TOKEN_INVALID']));
    // Within 30 s of the fetch at start: not one more.
    expect(count('/.well-known/jwks.json')).toBe(fetchedAtStart);

    offsetMs += 31_000;
    expect(new Set(await flood())).toEqual(new Set(['TOKEN_INVALID']));
    expect(new Set(await flood())).toEqual(new Set(['TOKEN_INVALID']));
    expect(count('/.well-known/jwks.json')).toBe(fetchedAtStart + 1);
    // The real token still verifies (through introspection now: the moved clock outran the heartbeats).
    expect(await outcome(verifier, token)).toBe('OK');
  });

  it('refuses HS256 tokens: one signed with the public key as an HMAC secret, one with the shared secret', async () => {
    const verifier = await open();
    const { token } = await register();
    const jwks = (await fetch(`${server.url}/.well-known/jwks.json`).then((r) => r.json())) as { keys: any[] };
    const [publicJwk] = jwks.keys;
    const claims = decodeClaims(token);
    const hmac = (secret: string | Buffer) => {
      const input = `${base64url({ alg: 'HS256', typ: 'at+jwt', kid: publicJwk.kid })}.${base64url(claims)}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    const before = requests.length;
    expect(await outcome(verifier, hmac(JSON.stringify(publicJwk)))).toBe('TOKEN_INVALID');
    expect(await outcome(verifier, hmac(Buffer.from(publicJwk.x, 'base64url')))).toBe('TOKEN_INVALID');
    expect(await outcome(verifier, hmac('test-secret-that-is-at-least-32-bytes-long'))).toBe('TOKEN_INVALID');
    // Refused on the header alone: no key lookup, no introspection.
    expect(requests.length).toBe(before);
    // And a token of our own key that claims to be Tessera's, with Tessera's kid and our key embedded (`jwk`).
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    expect(jwk.x).not.toBe(publicJwk.x);
    const impostor = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: publicJwk.kid, jwk })
      .sign(privateKey);
    expect(await outcome(verifier, impostor)).toBe('TOKEN_INVALID');
  });

  it('refuses an expired token as TOKEN_EXPIRED, and a token for another audience as TOKEN_INVALID', async () => {
    const verifier = await open({ clockToleranceSeconds: 5 });
    const { token } = await register();
    const { exp } = decodeClaims(token);
    offsetMs = exp * 1000 - Date.now() + 6_000;
    expect(await outcome(verifier, token)).toBe('TOKEN_EXPIRED');

    offsetMs = 0;
    const elsewhere = await open({ audience: 'another-service' });
    expect(await outcome(elsewhere, token)).toBe('TOKEN_INVALID');
  });

  it('asks introspection per token while the feed has not vouched within the heartbeat timeout', async () => {
    const verifier = await open();
    await expect.poll(() => verifier.status().feed).toBe('live');
    const { username, token } = await register();
    expect(await outcome(verifier, token)).toBe('OK');
    expect(count('/oauth/introspect')).toBe(0);

    // Silence past the timeout, as a dropped connection would leave it: the state is no longer proof.
    offsetMs += 10_000;
    expect(verifier.status().feed).not.toBe('live');
    expect(await outcome(verifier, token)).toBe('OK');
    expect(count('/oauth/introspect')).toBe(1);
    const second = (await post(server.graphqlUrl, LOGIN, { username, password: PASSWORD })).data.login
      .accessToken as string;
    await post(server.graphqlUrl, 'mutation { logout }', {}, second);
    // Refused by introspection, or by the feed's event if it came first: never accepted.
    expect(await outcome(verifier, second)).toBe('TOKEN_REVOKED');
  });

  it('with a wrong service secret, refuses nothing it cannot check: TESSERA_UNAVAILABLE, never a pass', async () => {
    const verifier = createTesseraVerifier({
      issuer: server.url,
      audience: 'tessera',
      service: { id: service.id, secret: 'not-the-secret' },
      clock,
    });
    verifiers.push(verifier);
    await verifier.ready();
    expect(verifier.status().feed).not.toBe('live');
    const { token } = await register();
    expect(await outcome(verifier, token)).toBe('TESSERA_UNAVAILABLE');
  });

  it('useTesseraAuth gives resolvers a viewer, and answers a refused token with 401 as Tessera does', async () => {
    const verifier = await open();
    const yoga = createYoga<object, TesseraAuthContext>({
      schema: createSchema<TesseraAuthContext>({
        typeDefs: 'type Query { viewer: String }',
        resolvers: { Query: { viewer: (_root, _args, context) => context.viewer?.sub ?? null } },
      }),
      plugins: [useTesseraAuth(verifier)],
    });
    const ask = (authorization?: string) =>
      yoga.fetch('http://orders.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query: '{ viewer }' }),
      });
    const { token } = await register();

    expect(await (await ask()).json()).toEqual({ data: { viewer: null } });
    expect(await (await ask(`Bearer ${token}`)).json()).toEqual({ data: { viewer: decodeClaims(token).sub } });
    for (const bad of [`Bearer ${token}x`, 'Basic dXNlcjpwYXNz']) {
      const refused = await ask(bad);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      const body = (await refused.json()) as any;
      expect(body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' });
    }
  });
});
