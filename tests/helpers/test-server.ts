import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { TEST_JWT_SECRET } from './test-app.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestServer extends RunningServer {
  readonly graphqlUrl: string;
  readonly database: TestDatabase;
}

/** The real server listening on a free port, over a fresh database of its own (for clients and browsers). */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    // Every test request comes from 127.0.0.1: per-address limits would make the tests depend on each other.
    RATE_LIMIT_ADDRESS: '1000000/1m',
    RATE_LIMIT_REQUESTS: '1000000/1m',
    ...env,
  });
  const server = await startServer(config, createLogger('silent'), database);
  return { ...server, graphqlUrl: `${server.url}/graphql`, database };
}
