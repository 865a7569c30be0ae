import type { Command } from 'commander';

import type { DatabaseConnection } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { ExpectedError } from '../errors.js';
import { createServiceCredentialService, type ServiceCredentialService } from './service-credentials.js';

/** How `cli.ts` opens the database for a command, reports what stops it, and closes it. */
type WithDatabase = (work: (connection: DatabaseConnection) => Promise<void>) => Promise<void>;

/**
 * `tessera service create|list|revoke`: the credentials other services present to introspect tokens and follow the
 * revocation feed. A secret is printed once, by `create`, and never again: only its hash is kept.
 */
export function addServiceCommands(program: Command, withDatabase: WithDatabase): void {
  const service = program
    .command('service')
    .description('Manage the credentials other services use for token introspection and the revocation feed.');

  service
    .command('create')
    .description('Create a service credential and print its id and secret (the secret is shown this once).')
    .argument('<name>', 'what to call the service, e.g. orders-api')
    .action((name: string) =>
      withServices(withDatabase, async (services) => {
        const created = await services.create(name);
        console.log(
          `Created service credential ${created.name}.\n` +
            `  id:     ${created.id}\n` +
            `  secret: ${created.secret}\n` +
            'The secret will not be shown again: store it now. If it is lost, revoke this credential and create another.',
        );
      }),
    );

  service
    .command('list')
    .description('List service credentials: id, name, when created, and whether revoked (never a secret).')
    .action(() =>
      withServices(withDatabase, async (services) => {
        const credentials = await services.list();
        if (credentials.length === 0) return console.log('No service credentials.');
        for (const credential of credentials) {
          const state = credential.revokedAt ? `revoked ${credential.revokedAt.toISOString()}` : 'active';
          console.log(`${credential.id}  ${credential.name}  created ${credential.createdAt.toISOString()}  ${state}`);
        }
      }),
    );

  service
    .command('revoke')
    .description('Revoke a service credential: its next request is refused.')
    .argument('<name-or-id>')
    .action((nameOrId: string) =>
      withServices(withDatabase, async (services) => {
        const result = await services.revoke(nameOrId);
        if (result.outcome === 'unknown') {
          console.error(`No service credential is named ${nameOrId} or has that id.`);
          process.exitCode = 1;
        } else if (result.outcome === 'already-revoked') {
          console.log(`${result.credential.name} (${result.credential.id}) was already revoked.`);
        } else {
          console.log(`${result.credential.name} (${result.credential.id}) is revoked; its next request is refused.`);
        }
      }),
    );
}

/** As `withUsers` in cli.ts: a migrated database; an expected refusal said plainly, with exit code 1. */
function withServices(
  withDatabase: WithDatabase,
  work: (services: ServiceCredentialService) => Promise<void>,
): Promise<void> {
  return withDatabase(async (connection) => {
    await migrateToLatest(connection.db);
    try {
      await work(createServiceCredentialService(connection.db));
    } catch (error) {
      if (!(error instanceof ExpectedError)) throw error;
      console.error(error.message);
      process.exitCode = 1;
    }
  });
}
