import type { BenchServer } from './processes.js';
import { graphql, statusWith } from './requests.js';

const TRIALS = 100;
const LOGIN = `mutation($username: String!, $password: String!) {
  login(username: $username, password: $password) { ... on AuthPayload { accessToken } }
}`;

/** Now, in epoch milliseconds with sub-millisecond precision: comparable across this machine's processes. */
const now = () => performance.timeOrigin + performance.now();

/**
 * Revokes a token on `revoking` (logout) and polls `other` with it every millisecond until it is refused, over 100
 * trials: `fromSend`, from sending the logout to the first refusal; `fromCommit`, from the moment the logout's
 * transaction committed on `revoking` (which it reports: bench/bench-server.ts) to that refusal. `p50Ms`/`p99Ms` are
 * `fromSend`'s. A token that is never refused fails the run. `other` may be any service that answers
 * `{ __typename }` with 401 for a refused token (the `downstream` row polls examples/downstream).
 */
export async function measurePropagation(revoking: BenchServer, other: BenchServer, password: string, trials = TRIALS) {
  const samples: number[] = [];
  const fromCommit: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const login = await graphql(revoking.url, LOGIN, { username: 'bench_user', password });
    const token = login.data.login.accessToken as string;
    if ((await statusWith(other.url, token)) !== 200) throw new Error('a fresh token was refused');

    const commitsBefore = revoking.commits.length;
    const sent = now();
    const logout = graphql(revoking.url, 'mutation { logout }', {}, token);
    let refusedAt: number | undefined;
    while (refusedAt === undefined) {
      if ((await statusWith(other.url, token)) === 401) refusedAt = now();
      else if (now() - sent > 5_000) throw new Error('a revoked token was still accepted after 5 s');
      else await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await logout;
    samples.push(refusedAt - sent);
    // The report of the commit travels over IPC: it may land just after the logout's answer.
    while (revoking.commits.length === commitsBefore && now() - sent < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const committedAt = revoking.commits[commitsBefore];
    if (committedAt === undefined) throw new Error('the revoking server reported no commit for the logout');
    fromCommit.push(refusedAt - committedAt);
  }
  const fromSend = percentiles(samples);
  return { ...fromSend, trials, fromSend, fromCommit: percentiles(fromCommit) };
}

function percentiles(samples: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}
