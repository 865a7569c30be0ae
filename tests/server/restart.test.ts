import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../server/config.js';
import { connectDatabase } from '../../server/db/connect.js';
import { migrateToLatest } from '../../server/db/migrate.js';
import { createLogger } from '../../server/logger.js';
import { startServer } from '../../server/server.js';
import { LOGIN, PASSWORD, REGISTER, uniqueUsername } from '../helpers/accounts.js';
import { testDriver } from '../helpers/test-database.js';

describe.runIf(testDriver === 'pglite')('embedded PGlite across a restart', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-restart-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  // No JWT_SECRET: the generated one in the data directory must survive the restart too.
  const config = () => loadConfig({ NODE_ENV: 'development', PORT: '0', TESSERA_DATA_DIR: dataDir });
  const start = async () =>
    startServer(config(), createLogger('silent'), await connectDatabase({ kind: 'pglite', dataDir }));
  const post = (url: string, query: string, variables: Record<string, unknown>) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    }).then((response) => response.json() as Promise<any>);

  it('keeps users and applies no migration twice', async () => {
    const username = uniqueUsername();
    let server = await start(); // a new data directory: a fresh cluster, then every migration
    const registered = await post(server.url, REGISTER, { username, password: PASSWORD });
    expect(registered.data.register.__typename).toBe('AuthPayload');
    await server.close();

    server = await start();
    try {
      const loggedIn = await post(server.url, LOGIN, { username, password: PASSWORD });
      expect(loggedIn.data.login).toMatchObject({ __typename: 'AuthPayload', user: { username } });
      const me = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${registered.data.register.accessToken}`,
        },
        body: JSON.stringify({ query: '{ me { username } }' }),
      }).then((response) => response.json());
      expect(me).toEqual({ data: { me: { username } } });
    } finally {
      await server.close();
    }

    const connection = await connectDatabase({ kind: 'pglite', dataDir });
    try {
      expect(await migrateToLatest(connection.db)).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});
