import { createServer, type Server } from 'node:http';

import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { systemClock } from '../../verifier/clock.js';
import { createKeySet, type KeySet } from '../../verifier/key-set.js';

// What the verifier keeps of a key set that should never have been published: a private key, a symmetric key, an
// encryption key. Served by a real HTTP server, verified with real WebCrypto; no Tessera needed.
describe('the verifier key set', () => {
  let server: Server;
  let url: string;
  let keys: JWK[];
  let good: CryptoKey;
  let leaked: CryptoKey;

  beforeAll(async () => {
    const published = await generateKeyPair('ES256', { extractable: true });
    const leak = await generateKeyPair('ES256', { extractable: true });
    good = published.privateKey;
    leaked = leak.privateKey;
    keys = [
      { ...(await exportJWK(published.publicKey)), kid: 'good', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(leak.privateKey)), kid: 'leaked-private', alg: 'ES256', use: 'sig' },
      {
        kty: 'oct',
        k: Buffer.from('a shared secret of 32 bytes long').toString('base64url'),
        kid: 'oct',
        alg: 'HS256',
      },
      { ...(await exportJWK(leak.publicKey)), kid: 'encryption', use: 'enc' },
    ];
    server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const open = async (): Promise<KeySet> => {
    const set = createKeySet({ jwksUri: url, fetch, clock: systemClock, refetchIntervalMs: 30_000, timeoutMs: 5_000 });
    await set.load();
    return set;
  };
  const headerOf = async (key: CryptoKey, kid: string) => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).sign(key);
    const [protectedHeader, payload, signature] = token.split('.');
    return {
      header: { alg: 'ES256', kid },
      token: { protected: protectedHeader!, payload: payload!, signature: signature! },
    };
  };

  it('keeps only public signing keys: never a private, symmetric or encryption key', async () => {
    const set = await open();
    expect(set.size).toBe(1);
    const { header, token } = await headerOf(good, 'good');
    expect(await set.getKey(header, token)).toMatchObject({ type: 'public' });
    for (const kid of ['leaked-private', 'oct', 'encryption']) {
      const forged = await headerOf(leaked, kid);
      await expect(set.getKey(forged.header, forged.token)).rejects.toThrow();
    }
  });
});
