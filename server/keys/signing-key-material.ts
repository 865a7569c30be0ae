import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export type AsymmetricAlgorithm = 'ES256' | 'RS256';

/** RS256 keys are made this size: NIST's floor for RSA past 2030 is 2048 bits; 3072 buys margin for little cost. */
const RSA_MODULUS_BITS = 3072;
/** Below this an RSA key is refused, whoever made it (RFC 7518 §3.3). */
export const RSA_MIN_MODULUS_BITS = 2048;

/** A new key pair: its public half as a JWK (with `kid`), its private half as PKCS#8 PEM to be sealed. */
export function generateSigningKey(algorithm: AsymmetricAlgorithm): {
  kid: string;
  publicJwk: Record<string, string>;
  privateKeyPem: string;
} {
  const { privateKey, publicKey } =
    algorithm === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: RSA_MODULUS_BITS });
  const publicJwk = publicJwkOf(publicKey);
  return {
    kid: publicJwk.kid!,
    publicJwk,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/**
 * The public key as a JWK carrying only public members, with `kid` its RFC 7638 thumbprint: the name says which key
 * it is, so two processes can never give one name to different keys.
 */
export function publicJwkOf(publicKey: KeyObject): Record<string, string> {
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const members = jwk.kty === 'EC' ? ['crv', 'kty', 'x', 'y'] : ['e', 'kty', 'n'];
  // Only the required members, in lexicographic order, no whitespace (RFC 7638 §3.2): never a private one.
  const canonical = Object.fromEntries(members.map((name) => [name, jwk[name]!]));
  const kid = createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
  return { ...canonical, kid };
}

/** Reads back a stored key pair; refuses an RSA key under 2048 bits or a key that is not of its algorithm. */
export function importSigningKey(
  algorithm: AsymmetricAlgorithm,
  privateKeyPem: string,
): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey(privateKeyPem);
  const details = privateKey.asymmetricKeyDetails ?? {};
  const fits =
    algorithm === 'ES256'
      ? privateKey.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1'
      : privateKey.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= RSA_MIN_MODULUS_BITS;
  if (!fits) throw new Error(`A stored signing key is not a valid ${algorithm} key`);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
