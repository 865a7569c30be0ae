import type { BenchServer } from './processes.js';
import { graphql, statusWith } from './requests.js';

const TRIALS = 100;
const LOGIN = `mutation($username: String!, $password: String!) {
  login(username: $username, password: $password) { ... on AuthPayload { accessToken } }
}`;

/**
 * Revokes a token on `revoking` (logout) and polls `other` with it every millisecond until it is refused; the time
 * from sending the logout to the first refusal, p50 and p99 over 100 trials. A token that is never refused fails
 * the run. `other` may be any service that answers `{ __typename }` with 401 for a refused token (the
 * `downstream` row polls examples/downstream).
 */
export async function measurePropagation(revoking: BenchServer, other: BenchServer, password: string, trials = TRIALS) {
  const samples: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const login = await graphql(revoking.url, LOGIN, { username: 'bench_user', password });
    const token = login.data.login.accessToken as string;
    if ((await statusWith(other.url, token)) !== 200) throw new Error('a fresh token was refused');

    const sent = performance.now();
    const logout = graphql(revoking.url, 'mutation { logout }', {}, token);
    let refusedAt: number | undefined;
    while (refusedAt === undefined) {
      if ((await statusWith(other.url, token)) === 401) refusedAt = performance.now();
      else if (performance.now() - sent > 5_000) throw new Error('a revoked token was still accepted after 5 s');
      else await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await logout;
    samples.push(refusedAt - sent);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]! * 100) / 100;
  return { p50Ms: at(0.5), p99Ms: at(0.99), trials };
}
