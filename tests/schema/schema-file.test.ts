import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { schema } from '../../server/schema/index.js';
import { printSortedSchema } from '../../server/schema/print.js';

describe('schema.graphql', () => {
  it('is the printed schema of the code (run `npm run schema:print` after changing the schema)', async () => {
    const committed = await readFile(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printSortedSchema(schema));
  });
});
