import { describe, expect, it } from 'vitest';

import { runCommand } from '../helpers/run-command.js';
import { testDriver } from '../helpers/test-database.js';

describe.runIf(testDriver === 'pglite')('client/gql (generated)', () => {
  it('is what `npm run codegen` makes from schema.graphql and client/ (run it after changing either)', async () => {
    const generate = await runCommand('npx', ['graphql-codegen', '--config', 'codegen.ts', '--check'], {}, 120_000);
    expect(generate.stdout + generate.stderr).not.toContain('stale files were detected');
    expect(generate.code).toBe(0);
  });
});
