import { Command, InvalidArgumentError } from 'commander';

import { loadConfig, type Config } from './config.js';
import { connectDatabase, databaseTargetFromConfig, type DatabaseConnection } from './db/connect.js';
import type { Role } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { pruneNow } from './maintenance/pruning.js';
import { ExpectedError } from './errors.js';
import { PasswordInputError, readPassword } from './password-input.js';
import { describeStartupError } from './startup-error.js';
import { noRevocationSink } from './auth/revoking.js';
import { createUserService, type UserService } from './users/user.service.js';
import { addServiceCommands } from './services/service-cli.js';
import { addKeyCommands } from './keys/keys-cli.js';

/** The operator command. It reads the same environment as the server. */
const program = new Command('tessera')
  .description(
    'Operate a Tessera server: migrate its database, create, disable and delete users, change roles, reset second ' +
      'factors, rotate signing keys, manage service credentials.',
  )
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
    withUsers(async (users) => {
      const user = await users.setRole({ username }, role);
      if (!user) return noSuchUser(username);
      console.log(`${user.username} is now ${user.role}; tokens issued before now no longer work.`);
    }),
  );

program
  .command('create-user')
  .description(
    'Create a user (the way to make the first admin). The password is read from standard input (its first line) ' +
      'or, at a terminal, typed twice without echo; never from the arguments.',
  )
  .argument('<username>')
  .option('--email <email>', "the user's email address")
  .option('--admin', 'make the user an ADMIN')
  .action(async (username: string, options: { email?: string; admin?: boolean }) => {
    const password = await readPasswordOrSay('Password');
    if (password === null) return;
    await withUsers(async (users) => {
      const user = await users.create({ username, email: options.email, password }, options.admin ? 'ADMIN' : 'USER');
      console.log(`Created ${user.username} (${user.role}${user.email ? `, ${user.email}` : ''}).`);
    });
  });

program
  .command('disable-user')
  .description(
    'Disable a user: every session ends and running servers refuse their access tokens; they cannot log in or ' +
      'refresh until enabled.',
  )
  .argument('<username>')
  .action((username: string) =>
    withUsers(async (users) => {
      const user = await users.setDisabled({ username }, true);
      if (!user) return noSuchUser(username);
      console.log(`${user.username} is disabled; their sessions have ended and their tokens no longer work.`);
    }),
  );

program
  .command('reset-mfa')
  .description(
    "Remove a user's second factors (authenticator app and recovery codes), for a lost device: every session ends " +
      'and running servers refuse their access tokens; they log in with their password alone.',
  )
  .argument('<username>')
  .action((username: string) =>
    withUsers(async (users) => {
      const user = await users.resetMfa({ username });
      if (!user) return noSuchUser(username);
      console.log(
        `${user.username} has no second factor now; their sessions have ended and their tokens no longer work.`,
      );
    }),
  );

program
  .command('enable-user')
  .description('Enable a disabled user: they can log in again.')
  .argument('<username>')
  .action((username: string) =>
    withUsers(async (users) => {
      const user = await users.setDisabled({ username }, false);
      if (!user) return noSuchUser(username);
      console.log(`${user.username} is enabled and can log in again.`);
    }),
  );

program
  .command('delete-user')
  .description(
    'Delete a user with their sessions and tokens: running servers refuse their access tokens, and the username ' +
      'is free again.',
  )
  .argument('<username>')
  .action((username: string) =>
    withUsers(async (users) => {
      if (!(await users.delete({ username }))) return noSuchUser(username);
      console.log(`${username} is deleted; their tokens no longer work.`);
    }),
  );

program
  .command('prune')
  .description(
    'Delete expired blacklist entries, refresh tokens, ended sessions, tombstones and mail links, settled mail a ' +
      'week old, and auth events older than AUDIT_RETENTION (the server also does this hourly).',
  )
  .action(() =>
    withDatabase(async (connection, config) => {
      await migrateToLatest(connection.db);
      const counts = await pruneNow(
        connection.db,
        new Date(),
        config.jwtClockToleranceSeconds,
        config.auditRetentionSeconds,
      );
      console.log(
        `Deleted ${counts.revokedTokens} blacklist entries, ${counts.refreshTokens} refresh tokens, ` +
          `${counts.sessions} sessions, ${counts.tombstones} tombstones of deleted users and sessions, ` +
          `${counts.emailTokens} expired mail links, ${counts.mfaChallenges} expired second login steps, ` +
          `${counts.mails} settled mails, ` +
          `${counts.authEvents} auth events older than AUDIT_RETENTION.`,
      );
    }),
  );

addServiceCommands(program, withDatabase);
addKeyCommands(program, withDatabase);

function parseRole(value: string): Role {
  const role = value.toUpperCase();
  if (role !== 'USER' && role !== 'ADMIN') throw new InvalidArgumentError('Role must be USER or ADMIN.');
  return role;
}

/**
 * Runs `work` with the user service on a migrated database. This process keeps no revocation state of its own:
 * running servers hear of its revocations through NOTIFY. Expected refusals (a taken username, a refused password)
 * are said plainly, with exit code 1.
 */
function withUsers(work: (users: UserService) => Promise<void>): Promise<void> {
  return withDatabase(async (connection) => {
    await migrateToLatest(connection.db);
    try {
      await work(createUserService({ db: connection.db, revocations: noRevocationSink }));
    } catch (error) {
      if (!(error instanceof ExpectedError)) throw error;
      console.error(error.message);
      process.exitCode = 1;
    }
  });
}

function noSuchUser(username: string): void {
  console.error(`No user is named ${username}.`);
  process.exitCode = 1;
}

/** The password, or null (said why, exit code 1) when none came or the operator gave up. */
async function readPasswordOrSay(prompt: string): Promise<string | null> {
  try {
    const password = await readPassword(prompt);
    if (password === null) {
      console.error('No password was given: pipe it on standard input, or run this at a terminal to type it.');
      process.exitCode = 1;
    }
    return password;
  } catch (error) {
    if (!(error instanceof PasswordInputError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
    return null;
  }
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
    // Closing embedded PGlite resets process.exitCode (its runtime exits with 0): keep the command's own.
    const exitCode = process.exitCode;
    await connection.close();
    process.exitCode = exitCode;
  }
}

await program.parseAsync();
