import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { postgresConnection } from '../../server/db/connect.js';
import { createServiceCredentialService } from '../../server/services/service-credentials.js';
import { registerUser } from '../helpers/accounts.js';
import { openEventStream } from '../helpers/sse.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, testDriver, type TestDatabase } from '../helpers/test-database.js';
import { decodeClaims } from '../helpers/tokens.js';

const env = { REVOCATION_TRUST_WINDOW: '500ms' };

// A process's feed carries what it applies; a revocation committed while its listener was deaf never arrives as a
// notice. The reload that follows the reconnection must reach the feed too, or a verifier would trust a copy that
// lacks it once the heartbeats come back.
describe.runIf(testDriver === 'postgres')('the revocation feed after its process lost its listener', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy(database.url!);
    a = await createTestApp(env, database, { keepDatabaseOpen: true });
    const connection = postgresConnection(proxy.url, { listener: { applicationName: 'tessera-feed-b' } });
    b = await createTestApp(env, { ...connection, url: proxy.url });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await proxy?.close();
    await database?.close();
  });

  it('sends what the reload found once the listener is back', async () => {
    const { id, secret } = await createServiceCredentialService(a.database.db).create('feed-faults');
    const authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const feed = await openEventStream('http://localhost/revocations', { authorization }, (url, init) =>
      b.yoga.fetch(url, init),
    );
    await feed.next('snapshot');

    expect(proxy.blackhole('tessera-feed-b')).toBe(1);
    const account = await registerUser(a);
    await a.graphql('mutation { logout }', { token: account.accessToken });
    const jti = decodeClaims(account.accessToken).jti;

    // Arrives only through the reload after B's listener reconnects: its notice went into the black hole.
    for (;;) {
      const event = await feed.next('revocation');
      if (event.data.events.some((item: { jti?: string }) => item.jti === jti)) break;
    }
    feed.close();
  });
});
