import type { Command } from 'commander';

import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import type { DatabaseConnection } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { listSigningKeys } from '../db/signing-key.repository.js';
import { notifyRevocations } from '../db/revocation.repository.js';
import { toRevocationNotices } from '../auth/revocation-events.js';
import { createLogger } from '../logger.js';
import { createSecretBox } from '../security/secret-box.js';
import { addSigningKey, describeKeys } from './key-ring.js';
import { loadTokenKeys } from './token-keys.js';

type WithDatabase = (work: (connection: DatabaseConnection, config: Config) => Promise<void>) => Promise<void>;

/** `tessera keys list` and `tessera keys rotate`: the key ring of ES256/RS256 signing. */
export function addKeyCommands(program: Command, withDatabase: WithDatabase): void {
  const keys = program.command('keys').description('The keys that sign access tokens (JWT_ALGORITHM=ES256 or RS256).');

  keys
    .command('list')
    .description('Each signing key with its state: next (published, not signing yet), current, retiring, expired.')
    .action(() =>
      withDatabase(async (connection, config) => {
        await migrateToLatest(connection.db);
        if (config.jwtAlgorithm === 'HS256')
          console.log('JWT_ALGORITHM=HS256: access tokens are signed with JWT_SECRET.');
        const rows = await listSigningKeys(connection.db);
        if (rows.length === 0) return void console.log('The key ring is empty.');
        const lifeMs = tokenLifeMs(config);
        for (const key of describeKeys(rows, systemClock.now(), lifeMs)) {
          const until = key.verifiesUntil ? `, verifies until ${key.verifiesUntil.toISOString()}` : '';
          console.log(`${key.kid}  ${key.algorithm}  ${key.state}  signs from ${key.signsFrom.toISOString()}${until}`);
        }
      }),
    );

  keys
    .command('rotate')
    .description(
      'Add the next signing key: published at once, signing after KEY_PUBLISH_DELAY; the current key keeps verifying ' +
        'until every token it signed has expired. Nobody is logged out.',
    )
    .action(() =>
      withDatabase(async (connection, config) => {
        if (config.jwtAlgorithm === 'HS256') {
          console.error('keys rotate needs JWT_ALGORITHM=ES256 or RS256: with HS256 the key is JWT_SECRET.');
          process.exitCode = 1;
          return;
        }
        await migrateToLatest(connection.db);
        // Opens (and on a new database, makes) the ring as a server would, with the same sealing key.
        const { sealingKey } = await loadTokenKeys(config, connection.db, createLogger('warn'), systemClock);
        const signsFrom = new Date(systemClock.now() + config.keyPublishDelaySeconds * 1000);
        const kid = await addSigningKey(connection.db, createSecretBox(sealingKey), config.jwtAlgorithm, signsFrom);
        // Every running server reads its ring again now, through the channel that carries revocations.
        await notifyRevocations(connection.db, toRevocationNotices([{ type: 'signing-keys' }]));
        console.log(`Added ${config.jwtAlgorithm} key ${kid}: published now, signing from ${signsFrom.toISOString()}.`);
      }),
    );
}

const tokenLifeMs = (config: Config) => (config.accessTokenTtlSeconds + config.jwtClockToleranceSeconds) * 1000;
