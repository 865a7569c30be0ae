import { Command, InvalidArgumentError } from 'commander';

import { loadConfig, type Config } from './config.js';
import { connectDatabase, databaseTargetFromConfig, type DatabaseConnection } from './db/connect.js';
import type { Role } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { pruneNow } from './maintenance/pruning.js';
import { describeStartupError } from './startup-error.js';
import { noRevocationSink } from './auth/revoking.js';
import { createUserService } from './users/user.service.js';

/** The operator command. It reads the same environment as the server. */
const program = new Command('tessera')
  .description('Operate a Tessera server: migrate its database, change roles.')
  .showHelpAfterError();

program
  .command('migrate')
  .description('Apply the migrations that have not run yet.')
  .action(() =>
    withDatabase(async (connection) => {
      const applied = await migrateToLatest(connection.db);
      console.log(
        applied.length === 0
          ? 'The database is up to date.'
          : applied.map((migration) => `Applied ${migration.migrationName}`).join('\n'),
      );
    }),
  );

program
  .command('set-role')
  .description("Set a user's role. Their existing access tokens stop working at once (TOKEN_STALE).")
  .argument('<username>')
  .argument('<role>', 'USER or ADMIN', parseRole)
  .action((username: string, role: Role) =>
    withDatabase(async (connection) => {
      await migrateToLatest(connection.db);
      // This process keeps no revocation state of its own; running servers hear of the change through NOTIFY.
      const users = createUserService({ db: connection.db, revocations: noRevocationSink });
      const user = await users.setRole({ username }, role);
      if (!user) {
        console.error(`No user is named ${username}.`);
        process.exitCode = 1;
        return;
      }
      console.log(`${user.username} is now ${user.role}; tokens issued before now no longer work.`);
    }),
  );

program
  .command('prune')
  .description(
    'Delete expired blacklist entries, refresh tokens, ended sessions and tombstones (the server also does this hourly).',
  )
  .action(() =>
    withDatabase(async (connection, config) => {
      await migrateToLatest(connection.db);
      const counts = await pruneNow(connection.db, new Date(), config.jwtClockToleranceSeconds);
      console.log(
        `Deleted ${counts.revokedTokens} blacklist entries, ${counts.refreshTokens} refresh tokens, ` +
          `${counts.sessions} sessions, ${counts.tombstones} tombstones of deleted users and sessions.`,
      );
    }),
  );

function parseRole(value: string): Role {
  const role = value.toUpperCase();
  if (role !== 'USER' && role !== 'ADMIN') throw new InvalidArgumentError('Role must be USER or ADMIN.');
  return role;
}

async function withDatabase(work: (connection: DatabaseConnection, config: Config) => Promise<void>): Promise<void> {
  let config: Config;
  let connection: DatabaseConnection;
  try {
    config = loadConfig(process.env);
    connection = await connectDatabase(databaseTargetFromConfig(config));
  } catch (error) {
    const reason = describeStartupError(error);
    if (!reason) throw error;
    console.error(reason);
    process.exitCode = 1;
    return;
  }
  try {
    await work(connection, config);
  } finally {
    await connection.close();
  }
}

await program.parseAsync();
