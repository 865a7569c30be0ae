import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerUser } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

/** Counts every statement Kysely sends, from the app, its services and its revocation check alike. */
class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

async function countingApp(env: Record<string, string>) {
  const counter = new QueryCounter();
  const database: TestDatabase = await createTestDatabase();
  const app = await createTestApp(env, { ...database, db: database.db.withPlugin(counter) });
  return { app, counter };
}

describe('the hot path', () => {
  let memory: { app: TestApp; counter: QueryCounter };
  let database: { app: TestApp; counter: QueryCounter };
  beforeAll(async () => {
    memory = await countingApp({});
    database = await countingApp({ REVOCATION_CHECK: 'database' });
  });
  afterAll(() => Promise.all([memory.app.close(), database.app.close()]));

  it('an authenticated request issues no SQL statement (REVOCATION_CHECK=memory)', async () => {
    const account = await registerUser(memory.app);
    memory.counter.count = 0;
    for (let i = 0; i < 10; i++) {
      const { status, body } = await memory.app.graphql('{ __typename }', { token: account.accessToken });
      expect(status).toBe(200);
      expect(body).toEqual({ data: { __typename: 'Query' } });
    }
    expect(memory.counter.count).toBe(0);
  });

  it('(baseline) with REVOCATION_CHECK=database the same request costs one statement', async () => {
    const account = await registerUser(database.app);
    database.counter.count = 0;
    await database.app.graphql('{ __typename }', { token: account.accessToken });
    expect(database.counter.count).toBe(1);
  });
});
