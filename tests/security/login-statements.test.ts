import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOGIN, PASSWORD, REGISTER, uniqueUsername } from '../helpers/accounts.js';
import { countStatements } from '../helpers/statement-counter.js';
import { testDriver } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

async function post(server: TestServer, query: string, variables: Record<string, unknown>) {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as any;
}

// Over HTTP, so the login has a client address and counts it, as every real one does.
describe.runIf(testDriver === 'postgres')('one password login on Postgres', () => {
  let server: TestServer;
  const username = uniqueUsername();
  beforeAll(async () => {
    server = await startTestServer();
    expect((await post(server, REGISTER, { username, password: PASSWORD })).data.register.__typename).toBe(
      'AuthPayload',
    );
    // Warm: the pool's connections are open, nothing below is a connection's first statement.
    await post(server, LOGIN, { username, password: PASSWORD });
  });
  afterAll(() => server.close());

  it('takes five statements in three round trips: admission with the user read, forgiveness with the second-factor check, the session', async () => {
    const counting = countStatements();
    const body = await post(server, LOGIN, { username, password: PASSWORD });
    const count = counting.stop();
    expect(body.data.login.__typename).toBe('AuthPayload');
    // Before: eight statements in six round trips. Three when the parallel pairs overlap, as they do unless the pool
    // is slow to hand out a second connection.
    expect(count.statements).toBe(5);
    expect(count.roundTrips).toBeLessThanOrEqual(4);
  });

  it('a wrong password takes no more than five statements: admission beside the user read, the failure, its audit row', async () => {
    const counting = countStatements();
    const body = await post(server, LOGIN, { username, password: `${PASSWORD}!` });
    const count = counting.stop();
    expect(body.data.login.code).toBe('INVALID_CREDENTIALS');
    // Admission and user read (one round trip), then the account's point and the audit trail (before: six).
    expect(count.statements).toBeLessThanOrEqual(5);
  });
});
