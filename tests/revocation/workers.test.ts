import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PASSWORD, REGISTER, uniqueUsername } from '../helpers/accounts.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { TEST_JWT_SECRET } from '../helpers/test-app.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';

describe.runIf(testDriver === 'postgres')('TESSERA_WORKERS=2', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startServerProcess({
      DATABASE_URL: database.url!,
      TESSERA_WORKERS: '2',
      JWT_SECRET: TEST_JWT_SECRET,
    });
  });
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    await database?.close();
  });

  // A new connection for each request, so that requests land on both workers (the kernel picks which).
  const post = (query: string, token?: string, variables?: Record<string, unknown>) =>
    fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        connection: 'close',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));

  it('runs two workers, and a token revoked through one is refused by every worker on the next request', async () => {
    // /health answers once the first worker listens; wait for the second.
    const serving = () => server.output().match(/Tessera is serving GraphQL/g)?.length ?? 0;
    for (let i = 0; i < 300 && serving() < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(serving()).toBe(2);
    const { body } = await post(REGISTER, undefined, { username: uniqueUsername(), password: PASSWORD });
    const token = body.data.register.accessToken as string;
    for (let i = 0; i < 4; i++) expect((await post('{ me { id } }', token)).status).toBe(200);

    expect((await post('mutation { logout }', token)).body).toEqual({ data: { logout: true } });
    for (let i = 0; i < 6; i++) {
      const refused = await post('{ me { id } }', token);
      expect(refused.status).toBe(401);
      expect(refused.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' });
    }
  });

  it('a user deleted in SQL is refused by every worker on the next request', async () => {
    const { body } = await post(REGISTER, undefined, { username: uniqueUsername(), password: PASSWORD });
    const { accessToken, user } = body.data.register as { accessToken: string; user: { id: string } };
    for (let i = 0; i < 4; i++) expect((await post('{ me { id } }', accessToken)).status).toBe(200);

    // As an operator in psql would: no Tessera code runs, only the database's delete triggers.
    await sql`delete from users where id = ${user.id}`.execute(database.db);
    // A delete typed in psql has nobody waiting for its notice (README: refused as soon as the notice arrives). A
    // logout through the API answers once every worker has acknowledged it, and each worker's listener hears notices
    // in commit order: once it answers, every worker has applied the delete too.
    const witness = await post(REGISTER, undefined, { username: uniqueUsername(), password: PASSWORD });
    expect((await post('mutation { logout }', witness.body.data.register.accessToken)).body).toEqual({
      data: { logout: true },
    });
    for (let i = 0; i < 6; i++) {
      const refused = await post('{ me { id } }', accessToken);
      expect(refused.status).toBe(401);
      expect(refused.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' });
    }
  });
});
