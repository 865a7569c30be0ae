import { createHmac, createPublicKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { KyselyPlugin } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';

import { toRevocationNotices } from '../../server/auth/revocation-events.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { notifyRevocations } from '../../server/db/revocation.repository.js';
import { addSigningKey } from '../../server/keys/key-ring.js';
import { createSecretBox } from '../../server/security/secret-box.js';
import { testClock } from '../helpers/account-mail.js';
import { loginPair, refresh, registerUser, tokenStatus } from '../helpers/accounts.js';
import { createPeerApp, createTestApp, PRODUCTION_ENV, type TestApp } from '../helpers/test-app.js';
import { runTessera } from '../helpers/run-command.js';
import { createPGliteDataDirectory, createTestDatabase, testDriver } from '../helpers/test-database.js';
import { base64url, decodeClaims } from '../helpers/tokens.js';

const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));

async function jwks(app: TestApp): Promise<JSONWebKeySet> {
  const response = await app.yoga.fetch('http://localhost/.well-known/jwks.json');
  expect(response.status).toBe(200);
  // Cached for less than the publish delay: a rotated-in key reaches every cache before it signs.
  const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1]);
  expect(maxAge).toBeLessThan(Math.max(1, app.config.keyPublishDelaySeconds));
  return (await response.json()) as JSONWebKeySet;
}

/** Rotates as `tessera keys rotate` does: the next key, then the notice every process reads the ring again on. */
async function rotate(app: TestApp, clock: { now(): number }): Promise<string> {
  const { db } = app.database;
  const signsFrom = new Date(clock.now() + app.config.keyPublishDelaySeconds * 1000);
  const algorithm = app.config.jwtAlgorithm as 'ES256' | 'RS256';
  const kid = await addSigningKey(db, createSecretBox(app.keys.sealingKey), algorithm, signsFrom);
  await notifyRevocations(db, toRevocationNotices([{ type: 'signing-keys' }]));
  return kid;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

// Issue #16, items 1-3: asymmetric signing from a key ring, rotation, and the published key set.
describe('signing keys', () => {
  const apps: TestApp[] = [];
  const open = async (...args: Parameters<typeof createTestApp>) => {
    const app = await createTestApp(...args);
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close();
  });

  for (const algorithm of ['ES256', 'RS256'] as const) {
    it(`${algorithm}: tokens carry a kid and verify against /.well-known/jwks.json with jose`, async () => {
      const app = await open({ JWT_ALGORITHM: algorithm });
      const user = await registerUser(app);
      expect(header(user.accessToken)).toMatchObject({ alg: algorithm, typ: 'at+jwt', kid: expect.any(String) });

      const keySet = await jwks(app);
      expect(keySet.keys).toHaveLength(1);
      expect(keySet.keys[0]).toMatchObject({ kid: header(user.accessToken).kid, alg: algorithm, use: 'sig' });
      const { payload, protectedHeader } = await jwtVerify(user.accessToken, createLocalJWKSet(keySet), {
        issuer: app.config.jwtIssuer,
        audience: app.config.jwtAudience,
        typ: 'at+jwt',
        algorithms: [algorithm],
      });
      expect(payload.sub).toBe(user.id);
      expect(protectedHeader.kid).toBe(keySet.keys[0]!.kid);
      expect(await tokenStatus(app, user.accessToken)).toBe('OK');
      if (algorithm === 'RS256') {
        const modulus = Buffer.from(keySet.keys[0]!.n!, 'base64url');
        expect(modulus.length * 8).toBeGreaterThanOrEqual(2048);
      }
    });
  }

  it('the key set never holds a private or symmetric key (HS256: it is empty)', async () => {
    for (const algorithm of ['HS256', 'ES256', 'RS256']) {
      const app = await open({ JWT_ALGORITHM: algorithm });
      const { keys } = await jwks(app);
      if (algorithm === 'HS256') expect(keys).toEqual([]);
      for (const key of keys) {
        expect(key.kty).not.toBe('oct');
        for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      }
      const metadata = await (await app.yoga.fetch('http://localhost/.well-known/oauth-authorization-server')).json();
      expect(metadata).toMatchObject({
        issuer: app.config.jwtIssuer,
        jwks_uri: 'http://localhost/.well-known/jwks.json',
        introspection_endpoint: 'http://localhost/oauth/introspect',
        revocation_feed_endpoint: 'http://localhost/revocations',
      });
    }
  });

  it('HS256 tokens carry a kid too, and tokens minted before kids existed still verify', async () => {
    const app = await open();
    const user = await registerUser(app);
    expect(header(user.accessToken)).toMatchObject({ alg: 'HS256', kid: expect.stringMatching(/^hs-/) });
    // The same token without its kid, as this server signed tokens before.
    const [, payload] = user.accessToken.split('.');
    const input = `${base64url({ alg: 'HS256', typ: 'at+jwt' })}.${payload}`;
    const legacy = `${input}.${createHmac('sha256', app.config.jwtSecret!).update(input).digest('base64url')}`;
    expect(await tokenStatus(app, legacy)).toBe('OK');
  });

  it('rotation: the next key is published at once and signs after the publish delay; nobody is logged out', async () => {
    const clock = testClock();
    const app = await open({ JWT_ALGORITHM: 'ES256' }, undefined, { clock });
    const user = await registerUser(app);
    const oldKid = header(user.accessToken).kid;

    const newKid = await rotate(app, clock);
    await expect.poll(async () => (await jwks(app)).keys.map((key) => key.kid)).toEqual([oldKid, newKid]);
    // Published, not signing yet: verifiers' caches get it first.
    expect(header(await loginPair(app, user.username, user.password).then((pair) => pair.accessToken)).kid).toBe(
      oldKid,
    );

    clock.advance(app.config.keyPublishDelaySeconds * 1000);
    const fresh = await loginPair(app, user.username, user.password);
    expect(header(fresh.accessToken).kid).toBe(newKid);
    // Old tokens still verify, and the old session refreshes onto the new key.
    expect(await tokenStatus(app, user.accessToken)).toBe('OK');
    const refreshed = await refresh(app, user.refreshToken);
    expect(header(refreshed.accessToken).kid).toBe(newKid);
    const keySet = createLocalJWKSet(await jwks(app));
    for (const token of [user.accessToken, fresh.accessToken]) {
      await expect(jwtVerify(token, keySet, { audience: app.config.jwtAudience })).resolves.toBeDefined();
    }

    // Once every token the old key signed has expired, it leaves the key set and verifies nothing.
    clock.advance((app.config.accessTokenTtlSeconds + 1) * 1000);
    expect((await jwks(app)).keys.map((key) => key.kid)).toEqual([newKid]);
    expect(await tokenStatus(app, user.accessToken)).toBe('TOKEN_INVALID');
    expect(await tokenStatus(app, refreshed.accessToken)).toBe('OK');
  });

  it('algorithm confusion: an HS256 token signed with the published public key is refused', async () => {
    const app = await open({ JWT_ALGORITHM: 'ES256' });
    const user = await registerUser(app);
    const [published] = (await jwks(app)).keys;
    const publicPem = createPublicKey({ key: published as never, format: 'jwk' }).export({
      format: 'pem',
      type: 'spki',
    });
    const claims = decodeClaims(user.accessToken);
    for (const secret of [publicPem, JSON.stringify(published)]) {
      const input = `${base64url({ alg: 'HS256', typ: 'at+jwt', kid: published!.kid })}.${base64url(claims)}`;
      const forged = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      expect(await tokenStatus(app, forged)).toBe('TOKEN_INVALID');
    }
    const unsigned = `${base64url({ alg: 'none', typ: 'at+jwt', kid: published!.kid })}.${base64url(claims)}.`;
    expect(await tokenStatus(app, unsigned)).toBe('TOKEN_INVALID');
  });

  it('unknown kid: refused, and a flood of them reads the key ring at most once', async () => {
    let ringReads = 0;
    const counting: KyselyPlugin = {
      transformQuery(args) {
        const node = JSON.stringify(args.node, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
        if (node.includes('"signing_keys"')) ringReads++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const database = await createTestDatabase();
    const app = await open({ JWT_ALGORITHM: 'ES256' }, { ...database, db: database.db.withPlugin(counting) });
    const user = await registerUser(app);
    const claims = decodeClaims(user.accessToken);
    const [, , signature] = user.accessToken.split('.');
    const readsBefore = ringReads;
    for (let index = 0; index < 50; index++) {
      const input = `${base64url({ alg: 'ES256', typ: 'at+jwt', kid: `made-up-${index}` })}.${base64url(claims)}`;
      expect(await tokenStatus(app, `${input}.${signature}`)).toBe('TOKEN_INVALID');
    }
    await expect.poll(() => ringReads - readsBefore).toBe(1);
  });

  it('private keys are sealed at rest, and open only under their KEY_ENCRYPTION_KEY', async () => {
    const database = await createTestDatabase();
    const key = Buffer.alloc(32, 3).toString('base64');
    const app = await open({ JWT_ALGORITHM: 'ES256', KEY_ENCRYPTION_KEY: key }, database, { keepDatabaseOpen: true });
    const rows = await app.database.db.selectFrom('signing_keys').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.private_key_sealed).toMatch(/^v1\./);
    expect(rows[0]!.private_key_sealed).not.toContain('PRIVATE KEY');
    await expect(
      createTestApp({ JWT_ALGORITHM: 'ES256', KEY_ENCRYPTION_KEY: Buffer.alloc(32, 4).toString('base64') }, database, {
        keepDatabaseOpen: true,
      }),
    ).rejects.toThrow();
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    await database.close();
  });

  it.runIf(testDriver === 'postgres')('every process hears of a rotation through the revocation channel', async () => {
    const clock = testClock();
    const app = await open({ JWT_ALGORITHM: 'ES256', KEY_PUBLISH_DELAY: '0' }, undefined, { clock });
    const peer = await createPeerApp(app.database, { JWT_ALGORITHM: 'ES256', KEY_PUBLISH_DELAY: '0' });
    apps.push(peer);
    const newKid = await rotate(app, clock);
    await expect.poll(async () => (await jwks(peer)).keys.map((key) => key.kid)).toContain(newKid);
    const user = await registerUser(peer);
    expect(header(user.accessToken).kid).toBe(newKid);
    expect(await tokenStatus(app, user.accessToken)).toBe('OK');
  });
});

describe('JWT_ALGORITHM and KEY_ENCRYPTION_KEY', () => {
  it('production with ES256 or RS256 needs KEY_ENCRYPTION_KEY, and then no JWT_SECRET', () => {
    const { JWT_SECRET, ...withoutSecret } = PRODUCTION_ENV;
    expect(JWT_SECRET).toBeDefined();
    expect(() => loadConfig({ ...withoutSecret, JWT_ALGORITHM: 'ES256' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...withoutSecret, JWT_ALGORITHM: 'RS256' })).toThrow(/KEY_ENCRYPTION_KEY is required/);
    const kek = Buffer.alloc(32, 1).toString('base64');
    expect(loadConfig({ ...withoutSecret, JWT_ALGORITHM: 'ES256', KEY_ENCRYPTION_KEY: kek })).toMatchObject({
      jwtAlgorithm: 'ES256',
      keyPublishDelaySeconds: 600,
    });
    expect(() => loadConfig({ ...withoutSecret })).toThrow(/JWT_SECRET is required/);
    expect(() => loadConfig({ JWT_ALGORITHM: 'HS512' })).toThrow(/JWT_ALGORITHM/);
  });
});

describe('tessera keys rotate | list', () => {
  it('adds the next key, and lists each key with its state', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tessera-keys-'));
    const database = testDriver === 'postgres' ? await createTestDatabase() : undefined;
    try {
      if (!database) await createPGliteDataDirectory(dataDir);
      const env = {
        JWT_ALGORITHM: 'ES256',
        KEY_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
        ...(database ? { DATABASE_URL: database.url! } : { TESSERA_DATA_DIR: dataDir }),
      };
      const rotated = await runTessera(['keys', 'rotate'], env);
      expect(rotated).toMatchObject({ code: 0, stderr: '' });
      expect(rotated.stdout).toMatch(/^Added ES256 key \S+: published now, signing from \S+\.\n$/);
      const listed = await runTessera(['keys', 'list'], env);
      const lines = listed.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/ ES256 {2}current {2}signs from /);
      expect(lines[1]).toMatch(/ ES256 {2}next {2}signs from /);
      expect(lines[1]).toContain(rotated.stdout.split(' ')[3]!.replace(':', ''));

      const hs256 = await runTessera(['keys', 'rotate'], { ...env, JWT_ALGORITHM: 'HS256' });
      expect(hs256).toMatchObject({ code: 1, stderr: expect.stringContaining('needs JWT_ALGORITHM=ES256 or RS256') });
    } finally {
      await database?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
