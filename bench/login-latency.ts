import type { BenchServer } from './processes.js';
import { graphql } from './requests.js';

const LOGIN = `mutation($username: String!, $password: String!) {
  login(username: $username, password: $password) { __typename ... on AuthPayload { accessToken } }
}`;

/**
 * A login's latency against a bare hash, both in the same server, taken in turns: a hash timed in the server, then a
 * login timed here, `pairs` times. Measured minutes apart, the two drift apart with this machine's speed (the same
 * hash took 12 ms in one minute and 16 ms in the next); in turns, both see the same machine. The login's time is
 * the whole HTTP exchange, at concurrency 1, in sub-millisecond steps (autocannon's are whole milliseconds).
 */
export async function measureLoginAgainstHash(
  server: BenchServer,
  credentials: { username: string; password: string },
  pairs = 60,
): Promise<{ loginP50Ms: number; bareHashP50Ms: number; ratio: number }> {
  const logins: number[] = [];
  const hashes: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    hashes.push(await server.timeBareHash());
    const started = performance.now();
    const answer = await graphql(server.url, LOGIN, credentials);
    logins.push(performance.now() - started);
    if (answer.data?.login?.__typename !== 'AuthPayload') throw new Error(`login failed: ${JSON.stringify(answer)}`);
  }
  const loginP50Ms = median(logins);
  const bareHashP50Ms = median(hashes);
  return {
    loginP50Ms: round(loginP50Ms),
    bareHashP50Ms: round(bareHashP50Ms),
    ratio: round(loginP50Ms / bareHashP50Ms),
  };
}

function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
