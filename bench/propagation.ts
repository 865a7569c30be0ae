import { decodeClaims } from '../tests/helpers/tokens.js';
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
 * trials. `fromSend`: from sending the logout to the first refused poll, as a client sees it (the poll's own round
 * trip and the 1 ms between polls are in it). `fromCommit`: from the moment the logout's transaction committed on
 * `revoking` to the moment `other` applied the ended session to its memory, after which it refuses the token: where
 * propagation is decided, both instants reported by the servers themselves (bench/bench-server.ts); present only when
 * `other` reports it. `p50Ms`/`p99Ms` are `fromSend`'s. A token that is never refused fails the run. `other` may be
 * any service that answers `{ __typename }` with 401 for a refused token (the `downstream` row polls
 * examples/downstream).
 */
export async function measurePropagation(revoking: BenchServer, other: BenchServer, password: string, trials = TRIALS) {
  const samples: number[] = [];
  const fromCommitPolled: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const { token, sessionId } = await logIn(revoking, other, password);
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
    if (other.reportsRevocations) {
      fromCommitPolled.push(await commitToApplied(revoking, commitsBefore, other, sessionId));
    }
  }
  // The same logouts with nobody polling: on two cores the poller shares its CPU with the revoking server, and its
  // request every millisecond is the busiest thing on the machine. The token is still refused afterwards.
  const fromCommit: number[] = [];
  if (other.reportsRevocations) {
    for (let trial = 0; trial < trials; trial++) {
      const { token, sessionId } = await logIn(revoking, other, password);
      const commitsBefore = revoking.commits.length;
      await graphql(revoking.url, 'mutation { logout }', {}, token);
      fromCommit.push(await commitToApplied(revoking, commitsBefore, other, sessionId));
      if ((await statusWith(other.url, token)) !== 401) throw new Error('a revoked token was still accepted');
    }
  }
  const fromSend = percentiles(samples);
  return {
    ...fromSend,
    trials,
    fromSend,
    ...(fromCommit.length > 0
      ? { fromCommit: percentiles(fromCommit), fromCommitWhilePolled: percentiles(fromCommitPolled) }
      : {}),
  };
}

async function logIn(revoking: BenchServer, other: BenchServer, password: string) {
  const login = await graphql(revoking.url, LOGIN, { username: 'bench_user', password });
  const token = login.data.login.accessToken as string;
  if ((await statusWith(other.url, token)) !== 200) throw new Error('a fresh token was refused');
  return { token, sessionId: decodeClaims(token).sid as string };
}

/** Commit on `revoking` to application on `other`; both reports travel over IPC and may land after the answer. */
async function commitToApplied(revoking: BenchServer, commitsBefore: number, other: BenchServer, sessionId: string) {
  const asked = now();
  while (
    (revoking.commits.length === commitsBefore || !other.sessionsRevoked.has(sessionId)) &&
    now() - asked < 5_000
  ) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const committedAt = revoking.commits[commitsBefore];
  const appliedAt = other.sessionsRevoked.get(sessionId);
  if (committedAt === undefined || appliedAt === undefined) {
    throw new Error("the servers did not report the logout's commit and its application");
  }
  return appliedAt - committedAt;
}

function percentiles(samples: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}
