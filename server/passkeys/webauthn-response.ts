import { decodeClientDataJSON } from '@simplewebauthn/server/helpers';

/**
 * The challenge a browser's WebAuthn answer says it signed (from `response.clientDataJSON`), to find what it was
 * issued for; undefined when the answer is not shaped like one. Nothing is trusted before the signature is verified
 * against this same challenge.
 */
export function readClientChallenge(answer: Record<string, unknown>): string | undefined {
  const inner = answer.response;
  if (typeof inner !== 'object' || inner === null) return undefined;
  const clientData = (inner as { clientDataJSON?: unknown }).clientDataJSON;
  if (typeof clientData !== 'string' || clientData.length > MAX_CLIENT_DATA_LENGTH) return undefined;
  try {
    const { challenge } = decodeClientDataJSON(clientData);
    return typeof challenge === 'string' && challenge.length <= MAX_CHALLENGE_LENGTH ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/** Far above what a browser sends (a few hundred bytes): anything longer is not an answer to our options. */
const MAX_CLIENT_DATA_LENGTH = 4096;
const MAX_CHALLENGE_LENGTH = 128;
